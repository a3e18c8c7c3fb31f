"""What a click or a visit keeps of the person: a salted address hash and the class of their client.

- :class:`RotatingSalt`: a random salt per UTC day, held in memory only and replaced at midnight,
  so yesterday's hashes cannot be linked to today's or reversed by anyone (the salt is gone).
- :func:`ua_class`: the user agent reduced to one of :class:`~schemas.tracking.UaClass`; the
  user agent itself is never stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time

from schemas.tracking import UaClass

_BOT = re.compile(
    r"bot\b|bot/|spider|crawl|slurp|curl/|wget/|python-|httpclient|okhttp|go-http|java/|headless|phantom|"
    r"lighthouse|preview|facebookexternalhit|scrapy|libwww|monitor|uptime",
    re.IGNORECASE,
)
_CLASSES: tuple[tuple[re.Pattern[str], UaClass], ...] = (
    (re.compile(r"MicroMessenger", re.IGNORECASE), UaClass.wechat),
    (re.compile(r"Weibo", re.IGNORECASE), UaClass.weibo),
    (re.compile(r"iPad|Tablet", re.IGNORECASE), UaClass.tablet),
    (re.compile(r"Mobi|Android|iPhone", re.IGNORECASE), UaClass.mobile),
    (re.compile(r"Windows NT|Macintosh|X11|CrOS", re.IGNORECASE), UaClass.desktop),
)
MAX_UA_CHARS = 512
"""Only the start of a user agent is looked at (linear time, bounded)."""


def ua_class(user_agent: str | None) -> UaClass:
    """The class of a user agent (``bot`` for known crawlers and tools, ``other`` when empty)."""
    ua = (user_agent or "")[:MAX_UA_CHARS]
    if not ua:
        return UaClass.other
    if _BOT.search(ua):
        return UaClass.bot
    for pattern, cls in _CLASSES:
        if pattern.search(ua):
            return cls
    return UaClass.other


class RotatingSalt:
    """A random salt per UTC day (memory only); :meth:`hash` of an address with today's salt."""

    def __init__(self, period_seconds: int = 86400) -> None:
        """Rotate every ``period_seconds`` (a day), on period boundaries of UTC time."""
        self.period = period_seconds
        self._lock = threading.Lock()
        self._slot = -1
        self._salt = b""

    def current(self, now: float | None = None) -> bytes:
        """Today's salt (a new random one once the period changed)."""
        slot = int((time.time() if now is None else now) // self.period)
        with self._lock:
            if slot != self._slot:
                self._slot, self._salt = slot, secrets.token_bytes(32)
            return self._salt

    def hash(self, address: str, now: float | None = None) -> str:
        """16 hex characters of the salted SHA-256 of ``address`` (never the address itself)."""
        return hashlib.sha256(self.current(now) + address.encode("utf-8", "replace")).hexdigest()[:16]
