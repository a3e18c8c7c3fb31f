"""chDB: the ClickHouse engine inside this process, persistent under one directory.

chDB hosts one engine bound to one data path per process. So :meth:`ChdbClickHouse.open`
keeps one process-wide session per path and hands out lightweight handles to it: every
``connect()`` to the same path shares the session (reference-counted; the session closes with
the last handle, and at interpreter exit), and asking for a different path while handles are
open is refused with a ConfigError. Several databases can live under the one path (``?db=``).

Every call holds the session's lock: the worker inserts from an executor thread while the web
API may query from another, and the session's current database (``USE``) is shared state.

Inserts are ``INSERT INTO t (cols) SETTINGS date_time_input_format = 'best_effort' FORMAT
JSONCompactEachRow`` with orjson-encoded rows (ISO 8601 datetimes), passed to chDB as bytes; queries read
``JSONCompactEachRowWithNamesAndTypes`` and use the column types to convert values (see
:mod:`pipeline.storage.values`).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal, cast

import orjson

from pipeline.config.sections import StorageSettings
from pipeline.errors import ConfigError, StorageError
from pipeline.storage.errors import wrap
from pipeline.storage.sql import head, identifier, render
from pipeline.storage.values import JSON_INSERT_SETTINGS, chdb_converter, json_rows

log = logging.getLogger(__name__)

# Session settings: UTC everywhere, and JSON output that keeps values exact.
_SESSION_SETTINGS = (
    "SET session_timezone = 'UTC', output_format_json_quote_64bit_integers = 0, "
    "output_format_json_quote_denormals = 1, output_format_json_quote_decimals = 1"
)
_RESULT_FORMAT = "JSONCompactEachRowWithNamesAndTypes"


ENGINE_CONFIG = Path(__file__).with_name("chdb.xml")
"""The engine's configuration file: MergeTree settings that bound the memory of background merges."""


def engine_options(memory_mb: int) -> str:
    """The chDB connection string's options: the engine's configuration file and the memory bound.

    With ``memory_mb`` (0: none), server settings bound the engine's memory to it. chDB passes them
    to the engine (they show in ``system.server_settings``; the file's MergeTree settings in
    ``system.merge_tree_settings``).
    """
    options = f"?config-file={ENGINE_CONFIG}"
    if memory_mb <= 0:
        return options
    limit, cache = memory_mb * 2**20, memory_mb * 2**20 // 8
    return (f"{options}&max_server_memory_usage={limit}&mark_cache_size={cache}&index_mark_cache_size={cache}"
            f"&primary_index_cache_size={cache}&compiled_expression_cache_size={cache}"
            f"&query_condition_cache_size={cache}")


class _Session:
    """The process's one chDB session and the state shared by its handles."""

    def __init__(self, path: str) -> None:
        from chdb import session

        Path(path).mkdir(parents=True, exist_ok=True)
        self.path = path
        self.where = f"chDB at {path}"
        self.session: Any = cast(Any, session).Session(path + engine_options(StorageSettings().chdb_memory_mb))
        self.lock = threading.RLock()
        self.refs = 0
        self.current_db = ""
        self.closed = False
        self.cpu_seconds = 0.0
        """CPU time the calling threads spent inside the engine's calls (chDB's own threads not included)."""
        try:
            self.session.query(_SESSION_SETTINGS)
        except Exception as exc:
            self.close()
            raise wrap(exc, _SESSION_SETTINGS, self.where) from exc

    def close(self) -> None:
        with self.lock:
            if self.closed:
                return
            self.closed = True
            try:
                self.session.close()
            except Exception:  # already closed by chDB itself at interpreter exit
                log.debug("closing the chDB session at %s failed", self.path, exc_info=True)
            log.debug("closed the chDB session at %s", self.path)


class ChdbClickHouse:
    """A database inside the process-wide chDB session; see :class:`pipeline.storage.backend.ClickHouse`."""

    _current: ClassVar[_Session | None] = None
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, shared: _Session, database: str) -> None:
        self._s = shared
        self._database = identifier(database)
        self._closed = False
        self._version: tuple[int, ...] | None = None

    @classmethod
    def open(cls, path: str, database: str = "sociallisten") -> ChdbClickHouse:
        """A handle on ``database`` in the session at ``path`` (opened on first use, then shared)."""
        database = identifier(database)
        with cls._guard:
            shared = cls._current
            if shared is None or shared.closed:
                try:
                    shared = _Session(path)
                except StorageError:
                    raise
                except Exception as exc:
                    raise StorageError(
                        f"cannot open chDB at {path}: {exc}; check that the directory is writable and that "
                        "no other process uses it"
                    ) from exc
                cls._current = shared
                log.info("opened chDB at %s", path)
            elif shared.path != path:
                raise ConfigError(
                    f"this process already uses chDB at {shared.path}; chDB allows one data path per process "
                    f"(asked for {path}). Close the other connections first, or use one path with ?db=name"
                )
            shared.refs += 1
        handle = cls(shared, database)
        try:
            handle._raw(f"CREATE DATABASE IF NOT EXISTS {database}", use_db=False)
        except StorageError:
            handle.close()
            raise
        return handle

    # ---- interface ---------------------------------------------------------------------
    @property
    def backend(self) -> Literal["chdb"]:
        """Always ``'chdb'``."""
        return "chdb"

    @property
    def database(self) -> str:
        """The database statements run in."""
        return self._database

    @property
    def path(self) -> str:
        """The chDB data directory."""
        return self._s.path

    @property
    def server_version(self) -> tuple[int, ...]:
        """Version of the embedded engine."""
        if self._version is None:
            text = str(self.query("SELECT version() AS v")[0]["v"])
            self._version = tuple(int(p) for p in text.split(".")[:3] if p.isdigit())
        return self._version

    def another(self, send_receive_timeout: float | None = None) -> ChdbClickHouse:
        """A second handle on the same database; it shares the process's one session (and its lock)."""
        return type(self).open(self.path, self._database)

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        """Run a statement that returns nothing."""
        self._raw(render(sql, params))

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows as dicts, with the same Python types the native backend returns."""
        out = self._raw(render(sql, params), _RESULT_FORMAT)
        lines = out.splitlines()
        if len(lines) < 2:
            return []
        try:
            names: list[str] = orjson.loads(lines[0])
            types: list[str] = orjson.loads(lines[1])
            converters = [(i, conv) for i, t in enumerate(types) if (conv := chdb_converter(t)) is not None]
            rows = []
            for line in lines[2:]:
                values = orjson.loads(line)
                for i, conv in converters:
                    values[i] = conv(values[i])
                rows.append(dict(zip(names, values, strict=True)))
        except (orjson.JSONDecodeError, ValueError, TypeError) as exc:
            raise StorageError(f"cannot read chDB's answer to '{head(sql)} ...': {exc}") from exc
        return rows

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """One ``INSERT ... FORMAT JSONCompactEachRow`` (one JSON array per row) for the whole batch."""
        if not rows:
            return
        cols = [identifier(c) for c in columns]
        statement = (
            f"INSERT INTO {identifier(table)} ({', '.join(f'`{c}`' for c in cols)}) "
            f"{JSON_INSERT_SETTINGS} FORMAT JSONCompactEachRow"
        )
        width = len(cols)
        try:
            if any(len(row) != width for row in rows):
                raise ValueError(f"a row has a different number of values than the {width} columns")
            body = json_rows(rows)
        except (TypeError, ValueError) as exc:  # orjson.JSONEncodeError is a TypeError
            raise StorageError(f"cannot encode a row for '{statement[:60]} ...': {exc}") from exc
        self._raw(statement, data=body)

    def ping(self) -> None:
        """ChDB is in-process: answers while the handle is open."""
        self._raw("SELECT 1")

    def close(self) -> None:
        """Drop this handle; the session closes with the last one (idempotent)."""
        cls = type(self)
        with cls._guard:
            if self._closed:
                return
            self._closed = True
            self._s.refs -= 1
            if self._s.refs <= 0:
                self._s.close()
                if cls._current is self._s:
                    cls._current = None

    @classmethod
    def engine_cpu_seconds(cls) -> float:
        """CPU seconds the calling threads have spent inside chDB's calls in this process's session.

        The engine runs part of every statement on the caller's thread (Python's storage thread
        for the worker's inserts) and the rest on its own, named threads; this is the first part
        (the benchmark's CPU split, :mod:`pipeline.bench.cpu`). 0 without an open session.
        """
        shared = cls._current
        return shared.cpu_seconds if shared is not None else 0.0

    # ---- internals ---------------------------------------------------------------------
    def _raw(self, sql: str, fmt: str = "CSV", *, use_db: bool = True, data: bytes = b"") -> bytes:
        """Run ``sql``; ``data``: an insert's rows, sent after it as UTF-8 bytes (never decoded to a str and back)."""
        s = self._s
        query: str | bytes = sql.encode() + b"\n" + data if data else sql
        with s.lock:
            if self._closed or s.closed:
                raise StorageError(f"this chDB handle on {s.path} is closed; call connect() again")
            try:
                if use_db and s.current_db != self._database:
                    s.session.query(f"USE {self._database}")
                    s.current_db = self._database
                started = time.thread_time()
                try:
                    result = s.session.query(query, fmt)
                finally:
                    s.cpu_seconds += time.thread_time() - started
            except Exception as exc:
                raise wrap(exc, sql, s.where) from exc
        return bytes(result.bytes()) if result is not None else b""


def _close_at_exit() -> None:
    """Close the session cleanly at interpreter exit (chDB flushes its parts and metadata)."""
    shared = ChdbClickHouse._current
    if shared is not None and not shared.closed:
        log.debug("closing chDB at %s at exit (%d handle(s) still open)", shared.path, shared.refs)
        shared.close()
        ChdbClickHouse._current = None


atexit.register(_close_at_exit)
