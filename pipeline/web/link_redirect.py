"""``GET /l/{code}`` as a plain ASGI handler in front of the app: the redirect on its shortest path.

Every click costs one request, so it skips FastAPI's routing, dependencies and middleware: the link
comes from a memory cache (ClickHouse on a miss), the click event is built without validation
(every field is made here, from checked parts) and queued in the outbox, and the 302 goes out with
the same security headers as every other answer. Anything else passes to the app unchanged.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from datetime import UTC, datetime
from http.cookies import SimpleCookie

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from pipeline.tracking.links import LinkCache, find_link
from pipeline.tracking.privacy import RotatingSalt, ua_class
from pipeline.tracking.recorder import VISITOR_COOKIE, referrer_host, visitor_id
from pipeline.tracking.targets import with_tracking
from pipeline.web.context import WebContext
from pipeline.web.guard import SECURITY_HEADERS
from schemas.tracking import TrackedLink, UaClass

log = logging.getLogger(__name__)

PREFIX = "/l/"
CODE = re.compile(r"^[A-Za-z0-9_-]{4,32}$")
COOKIE_SECONDS = 365 * 86400
_HEADERS = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]


class LinkRedirects:
    """Answer ``/l/{code}`` (module doc); pass every other request to ``app``."""

    def __init__(self, app: ASGIApp, ctx: WebContext) -> None:
        """Redirect with the links of ``ctx``'s database and record clicks in its outbox."""
        self.app = app
        self.ctx = ctx
        self.cache = LinkCache()
        self.salt = RotatingSalt()
        self.unrecorded = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle a link's redirect, or pass the request on."""
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(PREFIX) or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        code = path[len(PREFIX):]
        link = await self._link(code) if CODE.match(code) else None
        if link is None:
            await _answer(send, 404, [(b"content-type", b"text/plain; charset=utf-8")], b"no such link")
            return
        headers = dict(scope["headers"])
        visitor, new = visitor_id(_cookie(headers.get(b"cookie", b"")))
        self._record(code, visitor, scope, headers)
        out = [(b"location", with_tracking(link.target, code, visitor).encode()), (b"cache-control", b"no-store")]
        if new:
            secure = "; Secure" if scope.get("scheme") == "https" else ""
            out.append((b"set-cookie", f"{VISITOR_COOKIE}={visitor}; Max-Age={COOKIE_SECONDS}; Path=/; HttpOnly; "
                                      f"SameSite=Lax{secure}".encode()))
        await _answer(send, 302, out, b"")

    async def _link(self, code: str) -> TrackedLink | None:
        known, link = self.cache.get(code)
        if not known:
            link = await self.ctx.run_blocking(find_link, self.ctx.ch, code)
            self.cache.put(code, link)
        return link

    def _record(self, code: str, visitor: str, scope: Scope, headers: dict[bytes, bytes]) -> None:
        ctx = self.ctx
        if ctx.outbox is None or ctx.topics is None:
            self.unrecorded += 1
            if self.unrecorded == 1:
                log.warning("clicks are not recorded: no outbox to Kafka in this process")
            return
        cls = ua_class(headers.get(b"user-agent", b"").decode("latin-1"))
        client = scope.get("client")
        now = time.time()
        event = {  # the fields of schemas.tracking.ClickEvent, each from a checked part
            "click_id": uuid.uuid4().hex, "code": code,
            "clicked_at": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds"),
            "referrer": referrer_host(headers.get(b"referer", b"").decode("latin-1")), "ua_class": cls.value,
            "visitor_id": visitor, "ip_hash": self.salt.hash(client[0] if client else "", now),
            "bot": cls is UaClass.bot,
        }
        ctx.outbox.add(ctx.topics.clicks, visitor.encode(), orjson.dumps(event))


def _cookie(raw: bytes) -> str | None:
    if VISITOR_COOKIE.encode() not in raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw.decode("latin-1"))
    except Exception:  # noqa: BLE001 - a malformed Cookie header: a new visitor
        return None
    morsel = jar.get(VISITOR_COOKIE)
    return morsel.value if morsel is not None else None


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, *_HEADERS, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
