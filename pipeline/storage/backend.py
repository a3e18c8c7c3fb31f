"""The storage interface every ClickHouse backend implements, and ``connect(url)``.

Two URLs are understood (``SOCIALLISTEN_CLICKHOUSE_URL``):

- ``clickhouse://user:pass@host:9000/db`` - a server over the native protocol (clickhouse-driver).
  The database is created if missing. Optional query parameters: ``secure=1`` (TLS),
  ``verify=0`` (do not check the certificate), ``connect_timeout`` and ``send_receive_timeout``
  in seconds.
- ``chdb:///absolute/path`` - chDB, the ClickHouse engine inside this process, persistent under
  that directory. Optional ``?db=name`` (default ``sociallisten``). chDB allows one path per
  process, so every ``connect()`` to the same path shares one engine session.

Both backends take the same SQL with ``%(name)s`` parameters (see :mod:`pipeline.storage.sql`)
and return the same Python values (see :mod:`pipeline.storage.values`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol, runtime_checkable

from pipeline.storage.url import NativeTarget, parse_url


@runtime_checkable
class ClickHouse(Protocol):
    """A ClickHouse database: a server over the native protocol, or chDB in-process.

    Every method raises :class:`~pipeline.errors.StorageUnavailable` when the database cannot
    be reached (retry later) and :class:`~pipeline.errors.StorageError` when it refuses the
    statement (retrying will not help). Calls are thread-safe.
    """

    @property
    def backend(self) -> Literal["native", "chdb"]:
        """Which implementation this is."""
        ...

    @property
    def database(self) -> str:
        """The database every statement runs in."""
        ...

    @property
    def server_version(self) -> tuple[int, ...]:
        """Version of the ClickHouse engine, e.g. ``(18, 16, 1)``."""
        ...

    def another(self, send_receive_timeout: float | None = None) -> ClickHouse:
        """A second connection to the same database, for long statements that should not hold this one up.

        On a server its calls run beside this connection's (``send_receive_timeout``: seconds it may wait
        for an answer, default this connection's); chDB has one session per process, shared by both.
        """
        ...

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        """Run a statement that returns nothing (DDL, INSERT ... SELECT)."""
        ...

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a query; rows as dicts of Python values, in the order the server sent them."""
        ...

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert one batch (one INSERT); each row a tuple of values in ``columns`` order."""
        ...

    def ping(self) -> None:
        """Return if the database answers; StorageUnavailable if not."""
        ...

    def close(self) -> None:
        """Release the connection (idempotent)."""
        ...


def connect(url: str) -> ClickHouse:
    """Connect to ``clickhouse://user:pass@host:9000/db`` or ``chdb:///path[?db=name]``.

    Raises ConfigError for a bad URL, StorageUnavailable when a server cannot be reached and
    StorageError when it refuses (e.g. wrong password).
    """
    target = parse_url(url)
    if isinstance(target, NativeTarget):
        from pipeline.storage.native import NativeClickHouse

        return NativeClickHouse(target)
    from pipeline.storage.chdb_backend import ChdbClickHouse

    return ChdbClickHouse.open(target.path, target.database)
