"""Hand the input topics' messages to the worker in batches, past Faust's per-event delivery.

Faust delivers each fetched message on its own: the consumer's drain loop starts four tasks per
message (``Service.wait_first``), the conductor builds an ``Event`` and queues it, the agent's
stream updates sensors and the current event and acks it. On the development machine that costs
about 200 µs an event, which capped a decode-and-count agent at ~4,900 events/s, more than the
whole text pipeline costs (``sociallisten bench``, README "Benchmark").

:class:`BatchDrainConsumer` keeps everything else of Faust's consumer - group membership,
fetching, flow control, offset tracking, commits, rebalances - and replaces only its drain loop
for the input topics: their messages are gathered in fetch order and handed to one coroutine as
lists of up to ``max_events``, at the latest ``max_seconds`` after the first one was read. Other
topics (the service desk's commands) still go through Faust's agents, message by message.

Batches adapt to the load (smart batching): when the worker says it is idle (``idle()``; the
worker's own test is that no batch waits for analysis and at most one is being written), a batch
is handed over as soon as it is ``min_seconds`` old. Under light load that takes the wait for a
full batch out of the latency; under heavy load the worker is busy, the batch keeps gathering,
and batches grow to their full size, which is what keeps the cost per event low.
``min_seconds`` bounds how many batches (and ClickHouse inserts) a worker makes per second.

Delivery stays at least once, with the same rules as Faust's agents:

- a message counts as in progress (``wait_empty`` waits for it at a rebalance or stop) once the
  worker accepted its batch (:meth:`BatchDrainConsumer.hold`), and becomes committable only when
  the worker releases it after the batch is stored (:meth:`BatchDrainConsumer.release`);
- a batch gathered when a rebalance starts, or when the consumer stops, is dropped untracked: its
  offsets were never committed, so whoever owns the partition next reads it again. A batch the
  worker accepted before the rebalance is finished and released; if its partitions moved, Faust
  discards that commit and the new owner reads the batch again (the tables absorb the repeat);
- a batch belongs to the consumer generation it was started in. A rebalance can begin and end while
  the loop waits (for a fetch, or for the worker to accept the previous batch); it seeks every
  partition back to its committed offset. The gathered messages are then dropped before any message
  of the new generation joins them, never after: messages read after the seek and then dropped
  would not be read again (their read offsets are past them), their offsets would never be acked
  and the partition's commits would stop there for good (the stall of issue 28: nothing stored,
  no error, until the worker restarted);
- offset gaps (compacted or transactional topics) are recorded as Faust records them, so commits
  move past them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import AppT, Message, TopicT

BatchHandler = Callable[[list[Message]], Awaitable[None]]
"""Takes a batch of messages; returns once the batch is accepted (it may wait: back-pressure)."""

IdleCheck = Callable[[], bool]
"""True when the worker would start on a batch at once (a smaller batch now beats a fuller one later)."""

IDLE_POLL_SECONDS = 0.02
"""How often a gathering batch looks whether the worker became idle, when no records arrive."""


@dataclass(frozen=True)
class BatchSource:
    """Which topics are drained in batches, into what, and how large and how late a batch may be."""

    topics: frozenset[str]
    handler: BatchHandler
    max_events: int
    max_seconds: float
    min_seconds: float = 0.0
    idle: IdleCheck | None = None
    """None: a batch is handed over only when full or ``max_seconds`` old."""

    def due(self, batch_age: float) -> bool:
        """Whether a gathered batch of this age (seconds) is handed over now."""
        if batch_age >= self.max_seconds:
            return True
        return self.idle is not None and batch_age >= self.min_seconds and self.idle()

    def wait_at_most(self, batch_age: float) -> float:
        """How long the next fetch may wait for records before the gathered batch is looked at again."""
        left = self.max_seconds - batch_age
        if self.idle is not None:
            left = min(left, max(self.min_seconds - batch_age, IDLE_POLL_SECONDS))
        return min(1.0, max(0.0, left))

    def consumer_class(self) -> type[BatchDrainConsumer]:
        """A consumer class bound to this source, for ``app.transport.Consumer``."""
        return type("BatchDrainConsumer", (BatchDrainConsumer,), {"source": self, "__module__": __name__})


def drain_in_batches(
    app: AppT, topic: TopicT, handler: BatchHandler, *, max_events: int, max_seconds: float,
    min_seconds: float = 0.0, idle: IdleCheck | None = None,
) -> None:
    """Deliver ``topic``'s messages to ``handler`` in batches instead of to an agent.

    Call before the app creates its consumer (before the worker starts): it installs the
    consumer class and subscribes the app to the topic, which no agent iterates. With ``idle``,
    batches are handed over early while the worker is idle (module doc).
    """
    if getattr(app, "_consumer", None) is not None:
        raise RuntimeError("drain_in_batches() must be called before the app creates its consumer")
    source = BatchSource(frozenset(topic.topics), handler, max_events, max_seconds, min_seconds, idle)
    # Faust's TransportT declares Consumer a ClassVar, but the transport builds its consumer from the instance's
    # attribute (``self.Consumer(...)``), so setting it here changes this app's consumer and no other.
    app.transport.Consumer = source.consumer_class()  # type: ignore[misc]  # a ClassVar set on one app's transport
    app.topics.add(topic)


def batch_consumer(app: AppT) -> BatchDrainConsumer:
    """The app's consumer, installed by :func:`drain_in_batches` (for ``hold`` and ``release``)."""
    return cast(BatchDrainConsumer, app.consumer)


class BatchDrainConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer with a drain loop that batches the source topics (module doc)."""

    source: ClassVar[BatchSource | None] = None
    gathered: int = 0
    """Messages read and waiting to be handed over as a batch (for the state snapshot)."""

    def hold(self, messages: Sequence[Message]) -> None:
        """Count ``messages`` as in progress: a rebalance or stop waits until they are released."""
        unacked = self._unacked_messages  # a WeakSet
        for message in messages:
            unacked.add(message)

    def release(self, messages: Sequence[Message]) -> None:
        """Mark ``messages`` done: their offsets are committed with the next commit."""
        ack = self.ack
        for message in messages:
            ack(message)

    async def _drain_messages(self, fetcher: Any) -> None:
        source = type(self).source
        if source is None:
            await super()._drain_messages(fetcher)
            return
        try:
            await self._drain_in_batches(fetcher, source)
        except self.consumer_stopped_errors:
            if self.app.should_stop:
                self.log.info("Broker stopped consumer, shutting down...")
                return
            raise
        except asyncio.CancelledError:
            if self.app.should_stop:
                self.log.info("Consumer shutting down for user cancel.")
                return
            raise
        except Exception as exc:
            self.log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            self.gathered = 0
            self.diag.unset_flag(CONSUMER_FETCHING)

    def _fresh(self, batch: list[Message], generation: int) -> list[Message]:
        """``batch``, or [] when a rebalance began or ended since its first message was read."""
        if batch and (not self.flow_active or self.app.consumer_generation_id != generation):
            return []
        return batch

    async def _mind_gap(self, tp: Any, last: int | None, message: Message) -> None:
        """Record skipped offsets (compacted or transactional topics) so that commits may pass them."""
        if last and message.offset - last > 1 and self.app.topics.acks_enabled_for(message.topic):
            await self._add_gap(tp, last + 1, message.offset)

    async def _drain_in_batches(self, fetcher: Any, source: BatchSource) -> None:
        callback = self.callback
        read_offset = self._read_offset
        topics, max_events = source.topics, source.max_events
        consumer_stopped, fetcher_stopped = self._stopped.is_set, fetcher._stopped.is_set
        batch: list[Message] = []
        first_read = 0.0
        generation = self.app.consumer_generation_id
        while not (consumer_stopped() or fetcher_stopped()):
            self.diag.set_flag(CONSUMER_FETCHING)
            # wait for records at most until the gathered batch is due
            timeout = source.wait_at_most(time.monotonic() - first_read) if batch else 1.0
            await asyncio.sleep(0)  # getmany can return at once many times in a row
            if self.should_stop:
                break
            async for tp, message in self.getmany(timeout=timeout):
                last = read_offset[tp]
                if last is not None and message.offset < last:
                    continue  # already read: a fetch made before a seek can return it again (as in Faust)
                if message.topic in topics:
                    await self._mind_gap(tp, last, message)
                    batch = self._fresh(batch, generation)  # never mix generations (module doc)
                    if not batch:
                        first_read, generation = time.monotonic(), self.app.consumer_generation_id
                    batch.append(message)
                else:
                    await self.wait_first(callback(message), self.suspend_flow.wait())
                read_offset[tp] = message.offset
            batch = self._fresh(batch, generation)  # a rebalance began: the partitions' next owner reads it
            self.gathered = len(batch)
            while len(batch) >= max_events:
                handed, batch = batch[:max_events], batch[max_events:]
                self.gathered = len(batch)
                await source.handler(handed)  # may wait (back-pressure) while a whole rebalance passes
                batch = self._fresh(batch, generation)
            if batch and source.due(time.monotonic() - first_read):
                handed, batch = batch, []
                self.gathered = 0
                await source.handler(handed)
            if self._commit_every is not None and self._n_acked >= self._commit_every:
                self._n_acked = 0
                await self.commit()
