"""In-process publish/subscribe for live pages, and the Server-Sent Events framing that carries it.

Bounded queues: a slow subscriber loses items, a publisher never blocks. Producers (the live feed,
alerts, the service desk) publish; the web routes subscribe and frame items with :func:`sse`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any


class Hub:
    """Fan-out of items (enriched mentions, alerts, case changes) to subscribers."""

    def __init__(self, maxsize: int = 1000) -> None:
        self._subscribers: set[asyncio.Queue[Any]] = set()
        self._maxsize = maxsize
        self.dropped = 0

    def subscribe(self) -> asyncio.Queue[Any]:
        """A new queue receiving every item published from now on."""
        queue: asyncio.Queue[Any] = asyncio.Queue(self._maxsize)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Any]) -> None:
        """Stop delivering to ``queue``."""
        self._subscribers.discard(queue)

    def publish(self, item: Any) -> None:
        """Deliver to every subscriber that has room (call from the event loop's thread)."""
        for queue in self._subscribers:
            try:
                queue.put_nowait(item)
            except asyncio.QueueFull:
                self.dropped += 1

    @property
    def subscribers(self) -> int:
        """Number of live subscribers."""
        return len(self._subscribers)


_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
_ESCAPED = str.maketrans({c: f"\\u{ord(c):04x}" for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})
"""Characters some line readers (Python's ``str.splitlines``, httpx's ``iter_lines``) take for line
ends, written as JSON escapes: inside a JSON string (the only place JSON lets them appear raw) the
escape means the same character, and no reader splits an event there."""
_NO_BREAKS = str.maketrans({c: " " for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def sse(event: str, data: str, event_id: str | None = None) -> str:
    r"""One Server-Sent Events frame carrying ``data``, a JSON text.

    Only LF ends a line of the frame: CR and LF in ``data`` (JSON whitespace between tokens) start a
    new ``data:`` line, which the client joins back with LF; U+2028, U+2029, U+0085, VT, FF and
    the separators 0x1C-0x1E become ``\uXXXX`` escapes, so a mention or an alert that holds one
    arrives whole whatever splits lines on the client's side. The event name and id lose any line
    break (they come from the service, but must never end a line early).
    """
    head = f"id: {event_id.translate(_NO_BREAKS)}\n" if event_id else ""
    lines = _LINE_BREAKS.split(data.translate(_ESCAPED))
    body = "".join(f"data: {line}\n" for line in lines)
    return f"{head}event: {event.translate(_NO_BREAKS)}\n{body}\n"


async def merged(queues: dict[str, asyncio.Queue[Any]], timeout: float) -> AsyncIterator[tuple[str, Any] | None]:
    """Items from several queues as ``(name, item)``; ``None`` after ``timeout`` seconds of silence."""
    tasks: dict[asyncio.Task[Any], str] = {}
    try:
        while True:
            for name, q in queues.items():
                if name not in tasks.values():
                    tasks[asyncio.ensure_future(q.get())] = name
            done, _ = await asyncio.wait(tasks.keys(), timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if not done:
                yield None
                continue
            for task in done:
                name = tasks.pop(task)
                yield name, task.result()
    finally:
        for task in tasks:
            task.cancel()


MENTIONS_PER_SUBSCRIBER = 20_000
"""Mentions a live subscriber may fall behind by before it loses some: a few of the largest batches
(4,000 events), which a worker publishes at once. The items are shared, so a queue costs its slots."""


@dataclass(frozen=True)
class Hubs:
    """The hubs of one process: stored mentions, fired alerts and case changes."""

    mentions: Hub = field(default_factory=lambda: Hub(MENTIONS_PER_SUBSCRIBER))
    alerts: Hub = field(default_factory=Hub)
    cases: Hub = field(default_factory=Hub)
