"""The storage interface every ClickHouse backend implements, and ``connect(url)``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qs, unquote, urlparse

from pipeline.errors import ConfigError


@runtime_checkable
class ClickHouse(Protocol):
    """A ClickHouse database: a server over the native protocol, or chDB in-process."""

    backend: str
    database: str

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        """Run a statement that returns nothing."""

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a query; rows as dicts of Python values."""

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert one batch of rows (tuples in column order)."""

    def ping(self) -> None:
        """Raise StorageUnavailable when the database cannot be reached."""

    def close(self) -> None:
        """Release the connection."""

    @property
    def server_version(self) -> tuple[int, ...]:
        """Version of the ClickHouse engine."""


def connect(url: str) -> ClickHouse:
    """Connect to ``clickhouse://user:pass@host:9000/db`` or ``chdb:///path[?db=name]``."""
    parsed = urlparse(url)
    if parsed.scheme == "clickhouse":
        from pipeline.storage.native import NativeClickHouse

        return NativeClickHouse(
            host=parsed.hostname or "localhost",
            port=parsed.port or 9000,
            user=unquote(parsed.username or "default"),
            password=unquote(parsed.password or ""),
            database=(parsed.path or "/").strip("/") or "default",
        )
    if parsed.scheme == "chdb":
        from pipeline.storage.chdb_backend import ChdbClickHouse

        path = unquote(parsed.path)
        if not path.startswith("/"):
            raise ConfigError(f"chDB URL needs an absolute path, like chdb:///var/lib/sociallisten (got {url!r})")
        database = parse_qs(parsed.query).get("db", ["sociallisten"])[0]
        return ChdbClickHouse.open(path, database)
    raise ConfigError(
        f"SOCIALLISTEN_CLICKHOUSE_URL {url!r} is not understood: use clickhouse://user:pass@host:9000/db "
        "or chdb:///absolute/path"
    )
