"""Pure ASGI middleware that guards every response of the web service.

:class:`BodyLimit` answers 413 to a request body over ``SOCIALLISTEN_WEB_MAX_BODY_BYTES`` before
anything reads it: by its ``Content-Length``, or, for a streamed body, as soon as that many bytes
arrived (the rest is never read). It runs before routing, so before authentication and parsing.

:class:`SecurityHeaders` adds a Content-Security-Policy without inline scripts or styles,
``X-Content-Type-Options: nosniff``, frame protection and ``Referrer-Policy: no-referrer`` to
every page and API answer.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""Scripts, styles and connections from the service itself only; no inline code; never in a frame."""

SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeaders:
    """Add :data:`SECURITY_HEADERS` to every HTTP response (a header the app set itself is kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((k, v) for k, v in self._headers if k not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


async def _answer(send: Send, status: int, detail: str) -> None:
    body = orjson.dumps({"detail": detail})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _Metered:
    """One request's body as the app reads it: counted, and cut with a 413 past the limit."""

    def __init__(self, receive: Receive, send: Send, max_bytes: int) -> None:
        self._receive, self._send, self.max_bytes = receive, send, max_bytes
        self.received = 0
        self.started = False
        self.refused = False

    async def receive(self) -> Message:
        """The next message from the client; a disconnect once the body went over the limit."""
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.max_bytes:
                if not self.started:
                    self.refused = True
                    await _answer(self._send, 413, f"request body is over the limit of {self.max_bytes} bytes")
                return {"type": "http.disconnect"}  # the app stops reading: the rest stays unread
        return message

    async def send(self, message: Message) -> None:
        """Pass the app's answer on, unless the 413 went out instead."""
        if self.refused:
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


class BodyLimit:
    """Answer 413 to a request body over ``max_bytes`` without buffering it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse by Content-Length at once; otherwise count the body's bytes as the app reads them."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and not declared.isdigit():
            await _answer(send, 400, "invalid Content-Length header")
            return
        if declared is not None and int(declared) > self.max_bytes:
            await _answer(send, 413, f"request body of {declared} bytes is over the limit of {self.max_bytes} bytes")
            return
        metered = _Metered(receive, send, self.max_bytes)
        try:
            await self.app(scope, metered.receive, metered.send)
        except Exception:
            if not metered.refused:
                raise
            # the app failed on the cut body (e.g. ClientDisconnect from request.body()): the 413 answered it


def _content_length(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            return str(value.decode("latin-1").strip())
    return None
