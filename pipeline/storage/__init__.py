"""ClickHouse storage: one small interface over a server (clickhouse-driver) and chDB (in-process).

``connect(url)`` returns a :class:`ClickHouse`; :func:`pipeline.storage.migrate.migrate` creates
or upgrades the schema; :func:`pipeline.storage.stats.stats` reads exact totals. See
docs/storage.md for the data model.
"""

from pipeline.errors import StorageError, StorageUnavailable
from pipeline.storage.backend import ClickHouse, connect

__all__ = ["ClickHouse", "StorageError", "StorageUnavailable", "connect"]
