"""Signed desk commands: only the workers and the web tier can command the case agents.

Anyone who can produce to Kafka can write to the ``cases`` topic, so the agent does not trust a
command's ``actor`` and ``role`` by themselves: every command carries an HMAC-SHA256 (``sig``) of its
canonical JSON (every field, keys sorted) made with ``SOCIALLISTEN_DESK_SECRET``, and the agent
applies only commands whose signature it can verify (see docs/security.md).

Without the setting, a worker signs and verifies with a random secret kept in its data directory
(``<SOCIALLISTEN_DATA_DIR>/desk-secret``, created on first use, mode 0600): the zero-set-up single
host (``sociallisten demo``, ``sociallisten worker [--web]``, restarts, several workers sharing the
directory) works, while ``sociallisten serve`` refuses to start (:func:`require_secret`): a web tier
elsewhere could not share it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from pipeline.config import DeskSettings
from pipeline.desk.models import Command
from pipeline.errors import ConfigError

log = logging.getLogger(__name__)

SIGNATURE_FIELD = "sig"
"""The field of a command's JSON that holds its signature (hex HMAC-SHA256)."""
UNAUTHENTICATED = "unauthenticated_command"
"""Dead-letter reason of a command without a valid signature."""
SECRET_FILE = "desk-secret"
"""The file in the data directory that holds the secret when SOCIALLISTEN_DESK_SECRET is unset."""
_PROCESS_SECRET = secrets.token_bytes(32)


def desk_secret(cfg: DeskSettings, data_dir: Path | None = None) -> bytes:
    """The key commands are signed and verified with.

    Args:
        cfg: The desk settings: SOCIALLISTEN_DESK_SECRET when it is set.
        data_dir: Where the fallback secret file lives (created on first use); None: a random
            secret of this process only.

    Returns:
        The secret's bytes.
    """
    if cfg.desk_secret is not None:
        return cfg.desk_secret.get_secret_value().encode()
    if data_dir is None:
        return _PROCESS_SECRET
    return _file_secret(data_dir / SECRET_FILE)


def _file_secret(path: Path) -> bytes:
    """The secret in ``path``, written first (exclusively, mode 0600) when it does not exist."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:  # another process racing us reads the file once it is whole
            out.write(secrets.token_hex(32))
    for _ in range(50):
        value = path.read_text(encoding="ascii").strip()
        if len(value) == 64:
            return value.encode()
        time.sleep(0.02)  # a process that just created it is still writing
    raise ConfigError(f"{path} does not hold a desk secret (64 hex digits); delete it or set SOCIALLISTEN_DESK_SECRET")


def require_secret(cfg: DeskSettings, what: str) -> bytes:
    """The configured secret, for a process whose commands other processes verify (raises ConfigError)."""
    if cfg.desk_secret is None:
        raise ConfigError(
            f"SOCIALLISTEN_DESK_SECRET is not set: {what} sends desk commands that the workers verify, so every "
            "process must share one secret (e.g. `openssl rand -hex 32`); see docs/security.md"
        )
    return desk_secret(cfg)


def warn_if_unset(cfg: DeskSettings, data_dir: Path | None) -> None:
    """Say loudly who can command the desk when no shared secret is set."""
    if cfg.desk_secret is None:
        where = f"kept in {data_dir / SECRET_FILE}" if data_dir is not None else "of this process"
        log.warning("SOCIALLISTEN_DESK_SECRET is not set: desk commands are signed with a random secret %s, so "
                    "only processes that share it can command the desk (`sociallisten serve` needs the setting); "
                    "set it on every worker and web process of a deployment", where)


def _canonical(value: Mapping[str, Any]) -> bytes:
    return orjson.dumps({k: v for k, v in value.items() if k != SIGNATURE_FIELD}, option=orjson.OPT_SORT_KEYS)


def _mac(secret: bytes, value: Mapping[str, Any]) -> str:
    return hmac.new(secret, _canonical(value), hashlib.sha256).hexdigest()


def signed(cmd: Command, secret: bytes) -> dict[str, Any]:
    """The JSON value of ``cmd`` to send on the cases topic, with its signature."""
    value = cmd.model_dump(mode="json")
    value[SIGNATURE_FIELD] = _mac(secret, value)
    return value


def verified(value: Any, secret: bytes) -> bool:
    """Whether ``value`` (a received command's JSON) carries a valid signature of all its other fields."""
    if not isinstance(value, dict):
        return False
    sig = value.get(SIGNATURE_FIELD)
    if not isinstance(sig, str):
        return False
    try:
        expected = _mac(secret, value)
    except (TypeError, orjson.JSONEncodeError):  # not JSON-able: not something we signed
        return False
    return hmac.compare_digest(expected.encode(), sig.encode("utf-8", "replace"))
