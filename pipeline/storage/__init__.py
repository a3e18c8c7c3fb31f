"""ClickHouse storage: one interface over a server (clickhouse-driver) and chDB (in-process)."""

from pipeline.storage.backend import ClickHouse, connect

__all__ = ["ClickHouse", "connect"]
