"""A ClickHouse server over the native protocol (clickhouse-driver).

One connection per object, calls serialised with a lock (the worker inserts from an executor
thread while the web API may query). After an outage the next call reconnects by itself:
clickhouse-driver opens a new socket when the old one was closed, and every failure closes it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from clickhouse_driver import Client

from pipeline.errors import StorageError
from pipeline.storage.errors import wrap
from pipeline.storage.sql import identifier, render
from pipeline.storage.url import NativeTarget
from pipeline.storage.values import native_converter

log = logging.getLogger(__name__)

_UTC_NAMES = {"UTC", "Etc/UTC", "Etc/Universal", "Universal", "GMT", "Etc/GMT", "Zulu"}


class NativeClickHouse:
    """A database on a ClickHouse server; see :class:`pipeline.storage.backend.ClickHouse`."""

    def __init__(self, target: NativeTarget) -> None:
        self._target = target
        self._database = target.database
        self._where = f"ClickHouse at {target.host}:{target.port}"
        self._lock = threading.Lock()
        self._closed = False
        self._version: tuple[int, ...] | None = None
        self._server_tz: tzinfo | None = None
        self._server_tz_known = False
        options: dict[str, Any] = dict(
            host=target.host,
            port=target.port,
            user=target.user,
            password=target.password.get_secret_value(),
            secure=target.secure,
            verify=target.verify,
            compression=False,
            connect_timeout=target.connect_timeout,
            send_receive_timeout=target.send_receive_timeout,
            sync_request_timeout=target.connect_timeout,
            client_name="sociallisten",
            # For a cluster's Distributed tables (no effect on plain tables): an insert returns once each shard
            # has its rows, and reads and writes go to a shard's first live replica, so a reader sees its writes.
            # enable_optimize_predicate_expression: a WHERE on a view is applied inside it (partition pruning,
            # the primary key) instead of after the view read its whole table. The default from 19.x on; off
            # on 18.16, where it took a 30-day panel over 10 M mentions from seconds to under one (docs/benchmark.md).
            settings={"insert_distributed_sync": 1, "load_balancing": "in_order", "prefer_localhost_replica": 0,
                      "enable_optimize_predicate_expression": 1},
        )
        bootstrap = Client(database="default", **options)
        try:
            bootstrap.execute(f"CREATE DATABASE IF NOT EXISTS {self._database}")
        except Exception as exc:
            raise wrap(exc, f"CREATE DATABASE {self._database}", self._where) from exc
        finally:
            bootstrap.disconnect()
        self._client = Client(database=self._database, **options)
        log.debug("connected to %s, database %s", self._where, self._database)

    def another(self, send_receive_timeout: float | None = None) -> NativeClickHouse:
        """A second connection to the same database (its calls do not wait for this one's lock)."""
        timeout = self._target.send_receive_timeout if send_receive_timeout is None else send_receive_timeout
        return NativeClickHouse(replace(self._target, send_receive_timeout=timeout))

    def on_node(self, host: str, port: int) -> NativeClickHouse:
        """The same database and account on another server (a node of the same cluster)."""
        return NativeClickHouse(replace(self._target, host=host, port=port))

    # ---- interface ---------------------------------------------------------------------
    @property
    def backend(self) -> Literal["native"]:
        """Always ``'native'``."""
        return "native"

    @property
    def database(self) -> str:
        """The database statements run in."""
        return self._database

    @property
    def server_version(self) -> tuple[int, ...]:
        """(major, minor, patch) of the server."""
        if self._version is None:
            text = str(self._run("SELECT version()")[0][0])
            self._version = tuple(int(p) for p in text.split(".")[:3] if p.isdigit())
        return self._version

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        """Run a statement that returns nothing."""
        self._run(render(sql, params))

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows as dicts; DateTime values as naive UTC."""
        rows, columns = self._run(render(sql, params), with_column_types=True)
        names = [name for name, _ in columns]
        converters = [
            (i, conv) for i, (_, type_name) in enumerate(columns) if (conv := self._converter(type_name)) is not None
        ]
        out = []
        for row in rows:
            if converters:
                values = list(row)
                for i, conv in converters:
                    values[i] = conv(values[i])
                row = values
            out.append(dict(zip(names, row, strict=True)))
        return out

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """One ``INSERT ... VALUES`` for the whole batch, sent in the native (columnar) format."""
        if not rows:
            return
        col_sql = ", ".join(f"`{identifier(c)}`" for c in columns)
        self._run(f"INSERT INTO {identifier(table)} ({col_sql}) VALUES", _utc_rows(rows))

    def ping(self) -> None:
        """Return if the server answers; StorageUnavailable if not."""
        self._run("SELECT 1")

    def close(self) -> None:
        """Close the connection; later calls raise StorageError."""
        with self._lock:
            self._closed = True
            self._client.disconnect()

    # ---- internals ---------------------------------------------------------------------
    def _run(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            if self._closed:
                raise StorageError(f"this connection to {self._where} is closed; call connect() again")
            try:
                result = self._client.execute(sql, *args, **kwargs)
                if not self._server_tz_known:
                    self._learn_timezone()
                return result
            except Exception as exc:
                # clickhouse-driver already drops the socket on most failures; make sure, so that
                # the next call starts from a fresh connection (that is how we recover from outages).
                self._client.disconnect()
                raise wrap(exc, sql, self._where) from exc

    def _converter(self, type_name: str) -> Any:
        if "DateTime" not in type_name:
            return None
        return native_converter(type_name, self._server_tz)

    def _learn_timezone(self) -> None:
        # Plain DateTime comes back naive in the server's zone; None means "already UTC".
        info = self._client.connection.server_info
        if info is None:
            return
        name = info.get_timezone() or "UTC"
        if name not in _UTC_NAMES:
            try:
                self._server_tz = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                log.warning("unknown server time zone %r; treating plain DateTime values as UTC", name)
        self._server_tz_known = True


def _utc_rows(rows: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
    """Rows with naive datetimes marked as UTC, so the driver does not read them in the server's zone.

    The datetime columns are found from the first row that has a value in them; other columns
    are passed through untouched (cheap for the wide ``mentions`` rows).
    """
    width = len(rows[0])
    dt_cols = set()
    for i in range(width):
        for row in rows:
            if row[i] is not None:
                if isinstance(row[i], datetime):
                    dt_cols.add(i)
                break
    if not dt_cols:
        return list(rows)
    out: list[Sequence[Any]] = []
    for row in rows:
        values = list(row)
        for i in dt_cols:
            v = values[i]
            if isinstance(v, datetime) and v.tzinfo is None:
                values[i] = v.replace(tzinfo=UTC)
        out.append(values)
    return out
