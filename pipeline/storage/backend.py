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
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable
from urllib.parse import parse_qs, unquote, urlparse

from pipeline.errors import ConfigError, StorageError
from pipeline.storage.sql import identifier

DEFAULT_CHDB_DATABASE = "sociallisten"


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


@dataclass(frozen=True)
class NativeTarget:
    """Where a ``clickhouse://`` URL points."""

    host: str
    port: int
    user: str
    password: str
    database: str
    secure: bool = False
    verify: bool = True
    connect_timeout: float = 5.0
    send_receive_timeout: float = 60.0


@dataclass(frozen=True)
class ChdbTarget:
    """Where a ``chdb://`` URL points."""

    path: str
    database: str = DEFAULT_CHDB_DATABASE


_NATIVE_OPTIONS = {"secure", "verify", "connect_timeout", "send_receive_timeout"}


def _flag(value: str, name: str) -> bool:
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise ConfigError(f"SOCIALLISTEN_CLICKHOUSE_URL: {name}={value!r} must be 1 or 0")


def _seconds(value: str, name: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise ConfigError(f"SOCIALLISTEN_CLICKHOUSE_URL: {name}={value!r} must be a positive number of seconds")
    return seconds


def parse_url(url: str) -> NativeTarget | ChdbTarget:
    """Parse a storage URL; ConfigError naming the problem when it cannot be used."""
    parsed = urlparse(url)
    try:
        options = {k: v[-1] for k, v in parse_qs(parsed.query, keep_blank_values=True, strict_parsing=False).items()}
        if parsed.scheme == "clickhouse":
            unknown = set(options) - _NATIVE_OPTIONS
            if unknown:
                raise ConfigError(
                    f"SOCIALLISTEN_CLICKHOUSE_URL: unknown option(s) {', '.join(sorted(unknown))}; "
                    f"known: {', '.join(sorted(_NATIVE_OPTIONS))}"
                )
            return NativeTarget(
                host=parsed.hostname or "localhost",
                port=parsed.port or 9000,
                user=unquote(parsed.username or "default"),
                password=unquote(parsed.password or ""),
                database=identifier(unquote(parsed.path or "/").strip("/") or "default"),
                secure=_flag(options.get("secure", "0"), "secure"),
                verify=_flag(options.get("verify", "1"), "verify"),
                connect_timeout=_seconds(options.get("connect_timeout", "5"), "connect_timeout"),
                send_receive_timeout=_seconds(options.get("send_receive_timeout", "60"), "send_receive_timeout"),
            )
        if parsed.scheme == "chdb":
            if parsed.netloc:
                raise ConfigError(
                    f"chDB URL {url!r} has a host part; use three slashes and an absolute path: chdb:///var/lib/x"
                )
            path = unquote(parsed.path).rstrip("/")
            if not path.startswith("/"):
                raise ConfigError(f"chDB URL needs an absolute path, like chdb:///var/lib/sociallisten (got {url!r})")
            unknown = set(options) - {"db"}
            if unknown:
                raise ConfigError(f"chDB URL {url!r}: unknown option(s) {', '.join(sorted(unknown))}; known: db")
            return ChdbTarget(path=path, database=identifier(options.get("db", DEFAULT_CHDB_DATABASE)))
    except StorageError as exc:  # an invalid database name
        raise ConfigError(f"SOCIALLISTEN_CLICKHOUSE_URL {url!r}: {exc}") from None
    except ValueError as exc:  # a port that is not a number
        raise ConfigError(f"SOCIALLISTEN_CLICKHOUSE_URL {url!r}: {exc}") from None
    raise ConfigError(
        f"SOCIALLISTEN_CLICKHOUSE_URL {url!r} is not understood: use clickhouse://user:pass@host:9000/db "
        "or chdb:///absolute/path"
    )


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
