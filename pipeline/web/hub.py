"""In-process publish/subscribe for live pages: bounded queues, slow subscribers lose items, never block."""

from __future__ import annotations

import asyncio
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
