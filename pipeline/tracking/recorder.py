"""What the web tier records of a request: the visitor id, the referrer's host, a beacon's event.

Pure apart from the clock: the redirect (:mod:`pipeline.web.link_redirect`) and the beacon route
(:mod:`pipeline.web.routes_tracking`) pass the headers in and queue the result in the outbox.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from urllib.parse import urlsplit

from pipeline.tracking.privacy import ua_class
from schemas.tracking import UaClass, VisitBeacon, VisitEvent

VISITOR_COOKIE = "sl_vid"
VISITOR_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def visitor_id(cookie: str | None) -> tuple[str, bool]:
    """(the visitor id, whether it is new): the cookie's when it is well-formed, else a new random one."""
    if cookie and VISITOR_RE.match(cookie):
        return cookie, False
    return secrets.token_urlsafe(12), True


def referrer_host(referer: str | None) -> str:
    """The host of the referring page ('' when none or unreadable): never its path or query."""
    if not referer:
        return ""
    try:
        host = urlsplit(referer[:2048]).hostname or ""
    except ValueError:
        return ""
    return host[:253] if re.fullmatch(r"[a-z0-9.\-]+", host) else ""


def visit(beacon: VisitBeacon, user_agent: str | None) -> VisitEvent:
    """The visit event of one beacon, stamped now, with the agent's class."""
    cls = ua_class(user_agent)
    return VisitEvent(view_id=beacon.view_id, seq=beacon.seq, kind=beacon.kind, visitor_id=beacon.visitor_id,
                      code=beacon.code, at=datetime.now(UTC), dwell_ms=beacon.dwell_ms, page=beacon.page.split("?")[0],
                      ua_class=cls, bot=cls is UaClass.bot)
