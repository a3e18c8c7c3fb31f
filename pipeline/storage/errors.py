"""Turning driver errors into the project's two storage errors.

- :class:`~pipeline.errors.StorageUnavailable` (transient): the database cannot be reached, is
  overloaded or is short of disk space or memory right now; the same statement will work later,
  so callers retry with backoff (the worker pauses consumption meanwhile). A full disk in
  particular is never blamed on the rows being inserted: they are not dead-lettered.
- :class:`~pipeline.errors.StorageError` (permanent): the statement itself is wrong (syntax,
  unknown table, type mismatch); retrying it will not help.

Both backends report ClickHouse error codes (``Code: 60. DB::Exception: ...``); the codes in
:data:`TRANSIENT_CODES` are the ones that mean "not now" rather than "never".
"""

from __future__ import annotations

import re
import socket
import ssl

from clickhouse_driver import errors as ch_errors

from pipeline.errors import StorageError, StorageUnavailable
from pipeline.storage.sql import head

RESOURCE_CODES: frozenset[int] = frozenset(
    {
        173,  # CANNOT_ALLOCATE_MEMORY
        243,  # NOT_ENOUGH_SPACE
    }
)

TRANSIENT_CODES: frozenset[int] = RESOURCE_CODES | frozenset(
    {
        75,  # CANNOT_WRITE_TO_FILE_DESCRIPTOR (the server's disk: full or failing, not the rows)
        159,  # TIMEOUT_EXCEEDED
        202,  # TOO_MANY_SIMULTANEOUS_QUERIES
        203,  # NO_FREE_CONNECTION
        209,  # SOCKET_TIMEOUT
        210,  # NETWORK_ERROR (includes "connection refused")
        225,  # NO_ZOOKEEPER (replicated tables)
        241,  # MEMORY_LIMIT_EXCEEDED
        242,  # TABLE_IS_READ_ONLY (replica lost ZooKeeper)
        252,  # TOO_MANY_PARTS (inserts faster than merges: slow down)
        279,  # ALL_CONNECTION_TRIES_FAILED (a Distributed table: every replica of a shard is down)
        285,  # TOO_FEW_LIVE_REPLICAS
        369,  # ALL_REPLICAS_ARE_STALE
        319,  # UNKNOWN_STATUS_OF_INSERT
        394,  # QUERY_WAS_CANCELLED (server shutting down)
        999,  # KEEPER_EXCEPTION
    }
)

_NETWORK_TYPES: tuple[type[BaseException], ...] = (
    ch_errors.NetworkError,
    ch_errors.SocketTimeoutError,
    ch_errors.UnexpectedPacketFromServerError,  # connection broken mid-answer
    socket.timeout,
    ConnectionError,
    EOFError,
    OSError,
)

# The server's resources, whatever code carries them (e.g. 1000, a file-system exception): the
# statement is fine and will work once an operator frees space or memory.
_RESOURCE_TEXTS: tuple[str, ...] = ("no space left on device", "not enough space", "too many open files",
                                    "cannot allocate memory")

_CODE = re.compile(r"Code:\s*(\d+)")

_HINTS: dict[int, str] = {
    47: "check the column names against DESCRIBE TABLE",
    53: "a value does not fit the column type; check the row against pipeline/storage/tables.py",
    60: "the table does not exist: run `sociallisten migrate`",
    62: "the SQL has a syntax error",
    81: "the database does not exist: check SOCIALLISTEN_CLICKHOUSE_URL",
    192: "check the user in SOCIALLISTEN_CLICKHOUSE_URL",
    193: "check the password in SOCIALLISTEN_CLICKHOUSE_URL",
    516: "check the user and password in SOCIALLISTEN_CLICKHOUSE_URL",
}


def error_code(exc: BaseException) -> int | None:
    """The ClickHouse error code carried by ``exc`` (attribute or message), if any."""
    code = getattr(exc, "code", None)
    if isinstance(code, int) and code > 0:
        return code
    match = _CODE.search(str(exc))
    return int(match.group(1)) if match else None


def short_message(exc: BaseException) -> str:
    """The first meaningful line of a driver message, without the server's stack trace."""
    text = str(exc).split("Stack trace")[0]
    text = " ".join(text.split())
    return (text or type(exc).__name__)[:500]


def is_resource_shortage(exc: BaseException) -> bool:
    """Whether ``exc`` says the server ran out of disk space, memory or file handles."""
    text = str(exc).lower()
    return error_code(exc) in RESOURCE_CODES or any(t in text for t in _RESOURCE_TEXTS)


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` means the database is unreachable, busy or short of resources right now."""
    if is_resource_shortage(exc):
        return True
    if isinstance(exc, ch_errors.ServerException):
        return exc.code in TRANSIENT_CODES
    if isinstance(exc, ssl.SSLCertVerificationError):  # an OSError, but it will not go away
        return False
    if isinstance(exc, _NETWORK_TYPES):
        return True
    return error_code(exc) in TRANSIENT_CODES


def wrap(exc: BaseException, sql: str, where: str) -> StorageError:
    """The StorageError (or StorageUnavailable) to raise ``from exc`` for a failed statement.

    ``where`` names the database, e.g. ``ClickHouse at 10.0.0.5:9000`` or ``chDB at /data``.
    """
    statement = head(sql)
    message = short_message(exc)
    if is_resource_shortage(exc):
        return StorageUnavailable(
            f"{where} is out of resources during '{statement} ...': {message}; free disk space or memory on the "
            "ClickHouse server: the statement is retried meanwhile"
        )
    if is_transient(exc):
        return StorageUnavailable(
            f"{where} is unavailable during '{statement} ...': {message}; this is transient, retry later"
        )
    code = error_code(exc)
    hint = _HINTS.get(code or 0, "the statement will fail again as it is; fix the statement or the data")
    return StorageError(f"{where} refused '{statement} ...': {message} ({hint})")
