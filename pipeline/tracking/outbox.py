"""The web tier's outbox to Kafka: tracking events are queued in memory and sent in the background.

A request (``/l/{code}``, ``/t/visit``) only appends to the queue and answers at once: it never waits
for Kafka. One task per process sends the queue in batches with an aiokafka producer; a batch the
broker did not acknowledge stays at the head of the queue and is sent again under backoff, so while
Kafka is down the events wait here (bounded by ``max_pending``; beyond that the oldest are dropped
and counted, with an error in the log) and go out in order once it is back. The task starts with
the first event (inside the running event loop) and :meth:`Outbox.close` sends what is left.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer

from pipeline.kafka.topics import bootstrap_servers

log = logging.getLogger(__name__)

BATCH = 500
"""Events sent together (one produce request per partition)."""
YIELD_EVERY = 50
"""Queued sends between two chances for the event loop to answer requests."""


@dataclass(frozen=True, slots=True)
class Pending:
    """One queued event."""

    topic: str
    key: bytes
    value: bytes


class Outbox:
    """Queue tracking events and send them to Kafka in the background (module doc)."""

    def __init__(self, bootstrap: str, *, client_options: dict[str, Any] | None = None, max_pending: int = 200_000,
                 request_timeout: float = 5.0, max_backoff: float = 2.0) -> None:
        """Send to the brokers at ``bootstrap`` with ``client_options`` (security); queue at most ``max_pending``."""
        self.bootstrap = bootstrap_servers(bootstrap)
        self.options = dict(client_options or {})
        self.max_pending = max_pending
        self.request_timeout = request_timeout
        self.max_backoff = max_backoff
        self.queue: deque[Pending] = deque()
        self.sent = 0
        self.dropped = 0
        self.retries = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._producer: AIOKafkaProducer | None = None
        self._closing = False
        self._down_since: float | None = None

    @property
    def pending(self) -> int:
        """Events queued and not yet acknowledged."""
        return len(self.queue)

    def add(self, topic: str, key: bytes, value: bytes) -> None:
        """Queue one event; never blocks (call it from the event loop)."""
        if len(self.queue) >= self.max_pending:
            self.queue.popleft()
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.error("tracking outbox full (%d events waiting for Kafka): %d oldest events dropped so far",
                          self.max_pending, self.dropped)
        self.queue.append(Pending(topic, key, value))
        self._wake.set()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="sociallisten.tracking_outbox")

    async def _start_producer(self) -> AIOKafkaProducer:
        backoff = 0.1
        while True:
            producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all", linger_ms=5,
                                        request_timeout_ms=int(self.request_timeout * 1000),
                                        client_id="sociallisten-tracking", **self.options)
            try:
                await producer.start()
                return producer
            except Exception as exc:  # noqa: BLE001 - the broker is not there yet: try again
                await producer.stop()
                self._outage(exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)

    def _outage(self, exc: BaseException) -> None:
        self.retries += 1
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.warning("Kafka does not take tracking events (%s: %s); %d queued, retrying", type(exc).__name__,
                        exc, len(self.queue))

    async def _run(self) -> None:
        try:
            self._producer = await self._start_producer()
            backoff = 0.1
            while not (self._closing and not self.queue):
                if not self.queue:
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                if await self._send_batch(self._producer):
                    backoff = 0.1
                else:
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
        finally:
            if self._producer is not None:
                await self._producer.stop()
                self._producer = None

    async def _send_batch(self, producer: AIOKafkaProducer) -> bool:
        """Send the head of the queue; True when all of it was acknowledged (then it leaves the queue)."""
        batch = [self.queue[i] for i in range(min(BATCH, len(self.queue)))]
        try:
            futures = []
            for n, p in enumerate(batch, start=1):
                futures.append(await producer.send(p.topic, p.value, key=p.key))
                if n % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # a backlog sent after an outage must not hold the redirects up
            results = await asyncio.gather(*futures, return_exceptions=True)
        except Exception as exc:  # noqa: BLE001 - no metadata, not connected: the batch stays queued
            self._outage(exc)
            return False
        done = 0
        for result in results:  # per partition order is kept: stop at the first failure
            if isinstance(result, BaseException):
                self._outage(result)
                break
            done += 1
        for _ in range(done):
            self.queue.popleft()
        self.sent += done
        if done == len(batch) and self._down_since is not None:
            log.warning("Kafka takes tracking events again after %.0f s", time.monotonic() - self._down_since)
            self._down_since = None
        return done == len(batch)

    async def drain(self, timeout: float) -> bool:
        """Wait until the queue is empty (True) or ``timeout`` seconds passed (False)."""
        deadline = time.monotonic() + timeout
        while self.queue and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return not self.queue

    async def close(self, timeout: float = 5.0) -> None:
        """Send what is queued (for at most ``timeout`` seconds), then stop the producer."""
        self._closing = True
        self._wake.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            log.error("tracking outbox closed with %d events not sent to Kafka", len(self.queue))
            self._task.cancel()
