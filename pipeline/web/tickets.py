"""Short-lived signed tickets that open an event stream without putting a token in a URL.

EventSource cannot send an ``Authorization`` header, so a page asks ``POST /api/stream-ticket``
(with its bearer token) for a ticket and opens the stream with ``?ticket=``. A ticket names the
caller and its role and expires after :data:`TICKET_SECONDS`; it is signed with HMAC-SHA256 under
``SOCIALLISTEN_WEB_TICKET_SECRET`` or, when that is unset, a random key of this process (then a
ticket works only on the process that issued it: behind a load balancer, set the secret on all).
A ticket that leaks into a log is useless a minute later, and it opens streams only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson

TICKET_SECONDS = 60
"""How long a ticket may be used to open (or reopen) a stream."""
MAX_TICKET_CHARS = 1024


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Ticket:
    """What a genuine ticket says."""

    name: str
    role: str
    expired: bool
    """True once its time is up: refused, but not counted as a guess (a page that reconnects late)."""


class TicketSigner:
    """Issues and checks stream tickets: ``<payload>.<signature>``, both base64url."""

    def __init__(self, secret: str | None = None, *, seconds: int = TICKET_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self._key = hashlib.sha256(secret.encode()).digest() if secret else secrets.token_bytes(32)
        self.seconds = seconds
        self._clock = clock

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def issue(self, name: str, role: str) -> str:
        """A ticket for ``name`` with ``role``, valid for :attr:`seconds`."""
        payload = _b64(orjson.dumps({"n": name, "r": role, "e": int(self._clock()) + self.seconds}))
        return f"{payload}.{self._sign(payload)}"

    def verify(self, ticket: str) -> Ticket | None:
        """What a genuine ticket says (expired or not); None for any text this key did not sign."""
        if len(ticket) > MAX_TICKET_CHARS or ticket.count(".") != 1:
            return None
        payload, signature = ticket.split(".")
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        try:
            data = orjson.loads(_unb64(payload))
        except (ValueError, orjson.JSONDecodeError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("e"), int):
            return None
        name, role = data.get("n"), data.get("r")
        if not isinstance(name, str) or not isinstance(role, str):
            return None
        return Ticket(name=name, role=role, expired=data["e"] < self._clock())
