"""chDB: the ClickHouse engine in this process, persistent under a directory.

chDB allows one data path per process, so :meth:`ChdbClickHouse.open` shares one session
per path (reference-counted) and serialises every call with a lock; several databases
can live under the one path.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import orjson

from pipeline.errors import ConfigError, StorageError
from pipeline.storage.sql import identifier, render

log = logging.getLogger(__name__)


class _Shared:
    """The process's one chDB session."""

    def __init__(self, path: str) -> None:
        from chdb import session

        self.path = path
        self.session = session.Session(path)
        self.lock = threading.RLock()
        self.refs = 0
        self.current_db = ""


def _convert(type_name: str, value: Any) -> Any:
    if value is None:
        return None
    base = type_name
    if base.startswith("Nullable("):
        base = base[len("Nullable(") : -1]
    if base.startswith("DateTime"):
        return datetime.strptime(value[:19], "%Y-%m-%d %H:%M:%S")
    if base == "Date":
        return date.fromisoformat(value)
    if base.startswith(("UInt64", "Int64", "UInt128", "Int128")) and isinstance(value, str):
        return int(value)
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


class ChdbClickHouse:
    """A database inside the process-wide chDB session."""

    backend = "chdb"
    _shared: ClassVar[_Shared | None] = None
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, shared: _Shared, database: str) -> None:
        self._s = shared
        self.database = identifier(database)
        self._closed = False

    @classmethod
    def open(cls, path: str, database: str = "sociallisten") -> ChdbClickHouse:
        """Open (or share) the session at ``path`` and create ``database`` if missing."""
        with cls._guard:
            if cls._shared is None:
                try:
                    cls._shared = _Shared(path)
                except Exception as exc:
                    raise StorageError(f"cannot open chDB at {path}: {exc}") from exc
                cls._shared.session.query("SET session_timezone = 'UTC'")
            elif cls._shared.path != path:
                raise ConfigError(
                    f"this process already uses chDB at {cls._shared.path}; chDB allows one path per process "
                    f"(asked for {path})"
                )
            cls._shared.refs += 1
            inst = cls(cls._shared, database)
        inst._raw(f"CREATE DATABASE IF NOT EXISTS {inst.database}", use_db=False)
        return inst

    def _raw(self, sql: str, fmt: str = "CSV", *, use_db: bool = True) -> bytes:
        if self._closed:
            raise StorageError("this chDB connection is closed")
        s = self._s
        with s.lock:
            try:
                if use_db and s.current_db != self.database:
                    s.session.query(f"USE {self.database}")
                    s.current_db = self.database
                result = s.session.query(sql, fmt)
            except Exception as exc:
                head = " ".join(sql.split()[:4])[:80]
                message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise StorageError(f"chDB refused '{head} ...': {message[:500]}") from exc
            return bytes(result.bytes()) if result is not None else b""

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        """Run a statement."""
        self._raw(render(sql, params))

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows as dicts, typed like the native driver returns them (DateTime as naive UTC)."""
        out = self._raw(render(sql, params), "JSONCompactEachRowWithNamesAndTypes")
        lines = out.splitlines()
        if len(lines) < 2:
            return []
        names = orjson.loads(lines[0])
        types = orjson.loads(lines[1])
        rows = []
        for line in lines[2:]:
            values = orjson.loads(line)
            rows.append({n: _convert(t, v) for n, t, v in zip(names, types, values, strict=True)})
        return rows

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """One INSERT ... FORMAT JSONEachRow for the whole batch."""
        if not rows:
            return
        cols = [identifier(c) for c in columns]
        body = b"\n".join(
            orjson.dumps({c: _json_value(v) for c, v in zip(cols, row, strict=True)}) for row in rows
        )
        col_sql = ", ".join(f"`{c}`" for c in cols)
        self._raw(f"INSERT INTO {identifier(table)} ({col_sql}) FORMAT JSONEachRow\n" + body.decode())

    def ping(self) -> None:
        """chDB is in-process: always reachable while open."""
        self._raw("SELECT 1")

    @property
    def server_version(self) -> tuple[int, ...]:
        """Version of the embedded engine."""
        text = self.query("SELECT version() AS v")[0]["v"]
        return tuple(int(p) for p in str(text).split(".")[:3] if p.isdigit())

    def close(self) -> None:
        """Drop this handle; the session closes with the last one."""
        if self._closed:
            return
        self._closed = True
        cls = type(self)
        with cls._guard:
            if cls._shared is self._s:
                self._s.refs -= 1
                if self._s.refs <= 0:
                    try:
                        self._s.session.close()
                    except Exception:  # closing twice or at interpreter exit
                        log.debug("chDB session close failed", exc_info=True)
                    cls._shared = None
