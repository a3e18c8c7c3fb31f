"""ClickHouse server over the native protocol (clickhouse-driver)."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from clickhouse_driver import Client
from clickhouse_driver import errors as ch_errors

from pipeline.errors import StorageError, StorageUnavailable
from pipeline.storage.sql import identifier, render

log = logging.getLogger(__name__)

# Server error codes that mean "not now" rather than "never".
_TRANSIENT_CODES = {
    159,  # TIMEOUT_EXCEEDED
    209,  # SOCKET_TIMEOUT
    210,  # NETWORK_ERROR
    241,  # MEMORY_LIMIT_EXCEEDED
    242,  # TABLE_IS_READ_ONLY
    252,  # TOO_MANY_PARTS
    394,  # QUERY_WAS_CANCELLED (server shutting down)
}


def _wrap(exc: Exception, sql: str) -> StorageError:
    head = " ".join(sql.split()[:4])[:80]
    if isinstance(exc, ch_errors.NetworkError | ch_errors.SocketTimeoutError | socket.error | EOFError | ConnectionError):
        return StorageUnavailable(f"ClickHouse unreachable during '{head} ...': {exc}")
    code = getattr(exc, "code", None)
    if code in _TRANSIENT_CODES:
        return StorageUnavailable(f"ClickHouse busy during '{head} ...' (code {code}): {exc}")
    text = str(exc).split("Stack trace")[0]
    message = " ".join(text.split()) or type(exc).__name__
    return StorageError(f"ClickHouse refused '{head} ...': {message[:500]}")


class NativeClickHouse:
    """A server connection; reconnects by itself after an outage (clickhouse-driver does)."""

    backend = "native"

    def __init__(self, host: str, port: int, user: str, password: str, database: str) -> None:
        self.host, self.port, self.database = host, port, identifier(database)
        self._lock = threading.Lock()
        kwargs: dict[str, Any] = dict(
            host=host, port=port, user=user, password=password,
            connect_timeout=5, send_receive_timeout=60, sync_request_timeout=5,
            settings={"insert_block_size": 1048576},
        )
        bootstrap = Client(database="default", **kwargs)
        try:
            bootstrap.execute(f"CREATE DATABASE IF NOT EXISTS {self.database}")
        except Exception as exc:
            raise _wrap(exc, "CREATE DATABASE") from exc
        finally:
            bootstrap.disconnect()
        self._client = Client(database=self.database, **kwargs)
        self._version: tuple[int, ...] | None = None

    def _run(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            try:
                return self._client.execute(sql, *args, **kwargs)
            except Exception as exc:
                self._client.disconnect()  # a broken connection is re-opened on the next call
                raise _wrap(exc, sql) from exc

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        """Run a statement."""
        self._run(render(sql, params))

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows as dicts."""
        rows, columns = self._run(render(sql, params), with_column_types=True)
        names = [name for name, _ in columns]
        return [dict(zip(names, row, strict=True)) for row in rows]

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """One INSERT for the whole batch."""
        if not rows:
            return
        cols = ", ".join(f"`{identifier(c)}`" for c in columns)
        self._run(f"INSERT INTO {identifier(table)} ({cols}) VALUES", list(rows))

    def ping(self) -> None:
        """Raise StorageUnavailable if the server does not answer."""
        self._run("SELECT 1")

    @property
    def server_version(self) -> tuple[int, ...]:
        """(major, minor, patch) of the server."""
        if self._version is None:
            text = self._run("SELECT version()")[0][0]
            self._version = tuple(int(p) for p in str(text).split(".")[:3] if p.isdigit())
        return self._version

    def close(self) -> None:
        """Close the connection."""
        self._client.disconnect()
