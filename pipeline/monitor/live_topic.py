"""The live topic (``<prefix>live``): every worker's stored mentions, for every process that serves live pages.

A worker's live feed holds what that worker stored; with several workers each owns some partitions.
So after each write a worker also sends its batch's mentions, in their compact live form, to the
live topic (a few hundred per message, JSON lines). Every process that serves the live pages reads
that topic from its end, outside the consumer group (it takes every partition), and feeds its own
live feed: ``/api/mentions/stream``, ``/live`` and ``sociallisten tail`` then show every worker's
mentions whichever process serves them. Each line is validated (:class:`LiveMention`) on the way in.

The service desk's case changes travel the same way, one message each, keyed ``c:<origin>`` (the
process that made the change, which already published it to its own pages and skips it here).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError

from pipeline.monitor.live import TEXT_CHARS
from pipeline.monitor.models import LiveMention
from pipeline.records import Enriched

log = logging.getLogger(__name__)

ORIGIN = uuid.uuid4().hex[:12]
"""This process, as named in the case changes it sends."""
MENTIONS_KEY = b"m"
CASE_KEY = b"c:" + ORIGIN.encode()

PER_MESSAGE = 300
"""Mentions per live-topic message (about 200 KB: well under Kafka's default message size limit)."""


def compact(item: Enriched, received_at: float) -> dict[str, Any]:
    """The fields of :func:`~pipeline.monitor.live.live_mention`, as a plain dict (no model on the hot path).

    Platform and kind stay ``StrEnum`` members: orjson writes them as their string values.
    """
    ev, an = item.event, item.analysis
    return {
        "event_id": ev.id, "platform": ev.platform, "kind": ev.kind, "author_id": ev.author.id,
        "author_name": ev.author.name, "author_followers": ev.author.followers, "text": ev.text[:TEXT_CHARS],
        "created_at": ev.created_at, "received_at": received_at, "brands": an.brands, "competitors": an.competitors,
        "signals": an.signals, "sentiment": an.sentiment, "sentiment_score": float(an.sentiment_score),
        "keywords": an.keywords[:10], "buyer": an.buyer, "service_request": an.service_request,
        "purchase_intent": an.purchase_intent, "repost_depth": item.repost_depth,
    }  # fmt: skip


def encode(items: Sequence[Enriched], received_at: float) -> list[bytes]:
    """The live-topic messages of a stored batch: JSON lines of live mentions, ``PER_MESSAGE`` a message."""
    lines = [orjson.dumps(compact(item, received_at)) for item in items]
    return [b"\n".join(lines[i : i + PER_MESSAGE]) for i in range(0, len(lines), PER_MESSAGE)]


def encode_case(change: dict[str, Any]) -> bytes:
    """The live-topic message of one case change (``{"type": ..., "case": {...}}``)."""
    return orjson.dumps(change)


def decode_case(value: bytes | None) -> dict[str, Any] | None:
    """A case change from the live topic, or None (logged) when the message is not one."""
    try:
        change = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        change = None
    if not (isinstance(change, dict) and isinstance(change.get("type"), str) and isinstance(change.get("case"), dict)):
        log.warning("live topic: skipped a case message that is not a case change")
        return None
    return change


def decode(value: bytes | None) -> list[LiveMention]:
    """The live mentions of one message; lines that are not a valid live mention are skipped (and logged)."""
    out: list[LiveMention] = []
    for line in (value or b"").split(b"\n"):
        if not line.strip():
            continue
        try:
            out.append(LiveMention.model_validate_json(line))
        except ValidationError as exc:
            log.warning("live topic: skipped a line that is not a live mention (%d errors)", exc.error_count())
    return out


class LiveTopicReader:
    """Reads the live topic from its end, every partition, outside the consumer group, until cancelled."""

    def __init__(self, bootstrap: str, topic: str, deliver: Callable[[list[LiveMention]], object],
                 client_options: dict[str, object] | None = None,
                 deliver_case: Callable[[dict[str, Any]], object] | None = None) -> None:
        """Read ``topic`` at ``bootstrap``: mentions go to ``deliver``, case changes to ``deliver_case``."""
        self.bootstrap = bootstrap
        self.topic = topic
        self.deliver = deliver
        self.deliver_case = deliver_case
        self.client_options = client_options or {}
        self.received = 0

    async def run(self) -> None:
        """Follow the topic; reconnect after a broker failure (a page misses what was sent meanwhile)."""
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker went away: the live page waits, the worker goes on
                log.warning("live topic %s: %s: %s; reading again in 2 s", self.topic, type(exc).__name__, exc)
                await asyncio.sleep(2.0)

    async def _follow(self) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap.split(","), group_id=None,
                                    enable_auto_commit=False, **self.client_options)
        await consumer.start()
        try:
            partitions = await self._partitions(consumer)
            consumer.assign(partitions)
            await consumer.seek_to_end(*partitions)
            log.info("following the live topic %s (%d partitions) from its end", self.topic, len(partitions))
            while True:
                batches = await consumer.getmany(timeout_ms=1000, max_records=500)
                for records in batches.values():
                    for record in records:
                        self._take(record.key, record.value)
        finally:
            await consumer.stop()

    def _take(self, key: bytes | None, value: bytes | None) -> None:
        if key is not None and key.startswith(b"c:"):
            deliver_case = self.deliver_case
            if deliver_case is not None and key != CASE_KEY and (change := decode_case(value)) is not None:
                deliver_case(change)
            return
        mentions = decode(value)
        self.received += len(mentions)
        self.deliver(mentions)

    async def _partitions(self, consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        for _ in range(30):
            found = consumer.partitions_for_topic(self.topic)
            if found:
                return [TopicPartition(self.topic, p) for p in sorted(found)]
            await consumer.topics()  # refreshes the metadata
            await asyncio.sleep(1.0)
        raise RuntimeError(f"the live topic {self.topic} does not exist; run a worker (it creates the topics)")
