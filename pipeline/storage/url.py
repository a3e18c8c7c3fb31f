"""Storage URLs (``SOCIALLISTEN_CLICKHOUSE_URL``): parsing, validation and redaction.

- ``clickhouse://user:pass@host:9000/db`` - a server over the native protocol (clickhouse-driver).
  Optional query parameters: ``secure=1`` (TLS), ``verify=0`` (do not check the certificate),
  ``connect_timeout`` and ``send_receive_timeout`` in seconds.
- ``chdb:///absolute/path`` - chDB, the ClickHouse engine inside this process, persistent under
  that directory. Optional ``?db=name`` (default ``sociallisten``).

Error messages show a URL only through :func:`redact`: the password never reaches a log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlparse

from pydantic import SecretStr

from pipeline.errors import ConfigError, StorageError
from pipeline.storage.sql import identifier

DEFAULT_CHDB_DATABASE = "sociallisten"


_SECRET_PARAMS = re.compile(r"(?i)\b(password|passwd|pwd|token|secret|key|sig|signature)=[^&#\s]*")


def redact(url: str) -> str:
    """``url`` with its password (and any password/token/key query value) replaced by ``***``, for messages and logs.

    Works on the text, not on a parsed URL, so a password with ``/``, ``#``, ``?`` or ``@`` in it is
    hidden as a whole: everything between ``user:`` and the last ``@`` goes.
    """
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        userinfo, _, hostpart = rest.rpartition("@")
        if ":" in userinfo:
            user = userinfo.split(":", 1)[0]
            rest = f"{user}:***@{hostpart}"
        url = f"{scheme}{sep}{rest}"
    return _SECRET_PARAMS.sub(lambda m: f"{m.group(1)}=***", url)


@dataclass(frozen=True)
class NativeTarget:
    """Where a ``clickhouse://`` URL points."""

    host: str
    port: int
    user: str
    password: SecretStr
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
    userinfo = url.partition("://")[2].rpartition("@")[0]
    if userinfo and userinfo != parsed.netloc.rpartition("@")[0]:  # else pieces of the password become options
        raise ConfigError(f"SOCIALLISTEN_CLICKHOUSE_URL {redact(url)!r}: the user or password holds '/', '?' or '#'; "
                          "percent-encode them (%2F, %3F, %23)")
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
                password=SecretStr(unquote(parsed.password or "")),
                database=identifier(unquote(parsed.path or "/").strip("/") or "default"),
                secure=_flag(options.get("secure", "0"), "secure"),
                verify=_flag(options.get("verify", "1"), "verify"),
                connect_timeout=_seconds(options.get("connect_timeout", "5"), "connect_timeout"),
                send_receive_timeout=_seconds(options.get("send_receive_timeout", "60"), "send_receive_timeout"),
            )
        if parsed.scheme == "chdb":
            if parsed.netloc:
                raise ConfigError(
                    f"chDB URL {redact(url)!r} has a host part; "
                    "use three slashes and an absolute path: chdb:///var/lib/x"
                )
            path = unquote(parsed.path).rstrip("/")
            if not path.startswith("/"):
                raise ConfigError(
                    f"chDB URL needs an absolute path, like chdb:///var/lib/sociallisten (got {redact(url)!r})"
                )
            unknown = set(options) - {"db"}
            if unknown:
                raise ConfigError(
                    f"chDB URL {redact(url)!r}: unknown option(s) {', '.join(sorted(unknown))}; known: db"
                )
            return ChdbTarget(path=path, database=identifier(options.get("db", DEFAULT_CHDB_DATABASE)))
    except StorageError as exc:  # an invalid database name
        raise ConfigError(f"SOCIALLISTEN_CLICKHOUSE_URL {redact(url)!r}: {exc}") from None
    except ValueError:  # a port that is not a number; its text may quote a piece of a password with a '/' in it
        raise ConfigError(
            f"SOCIALLISTEN_CLICKHOUSE_URL {redact(url)!r}: the host or port is not valid (percent-encode a "
            "password's '/', '?', '#' and '@')"
        ) from None
    raise ConfigError(
        f"SOCIALLISTEN_CLICKHOUSE_URL {redact(url)!r} is not understood: use clickhouse://user:pass@host:9000/db "
        "or chdb:///absolute/path"
    )
