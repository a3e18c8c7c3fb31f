"""Signed desk commands: only the workers and the web tier can command the case agents.

Anyone who can produce to Kafka can write to the ``cases`` topic, so the agent does not trust a
command's ``actor`` and ``role`` by themselves: every command carries an HMAC-SHA256 (``sig``) of its
canonical JSON (every field, keys sorted) made with ``SOCIALLISTEN_DESK_SECRET``, and the agent
applies only commands whose signature it can verify (see docs/security.md).

Without the setting, a process signs and verifies with a random secret of its own: a single
process (``sociallisten demo``, ``sociallisten worker --web``) works with zero set-up, while
``sociallisten serve`` refuses to start (:func:`require_secret`) because its commands would be
rejected by every worker.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
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
_PROCESS_SECRET = secrets.token_bytes(32)


def desk_secret(cfg: DeskSettings) -> bytes:
    """The key commands are signed and verified with: the setting, else this process's random secret."""
    if cfg.desk_secret is None:
        return _PROCESS_SECRET
    return cfg.desk_secret.get_secret_value().encode()


def require_secret(cfg: DeskSettings, what: str) -> bytes:
    """The configured secret, for a process whose commands other processes verify (raises ConfigError)."""
    if cfg.desk_secret is None:
        raise ConfigError(
            f"SOCIALLISTEN_DESK_SECRET is not set: {what} sends desk commands that the workers verify, so every "
            "process must share one secret (e.g. `openssl rand -hex 32`); see docs/security.md"
        )
    return desk_secret(cfg)


def warn_if_process_secret(cfg: DeskSettings) -> None:
    """Say loudly that only this process can command its desk when no shared secret is set."""
    if cfg.desk_secret is None:
        log.warning("SOCIALLISTEN_DESK_SECRET is not set: desk commands are signed with a random secret of this "
                    "process, so commands from other workers or `sociallisten serve` are rejected; set it to run "
                    "more than one process")


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
