"""What travels between the stages of the pipeline: raw records, enriched events, batch results.

The worker builds them, the batch writer stores them, and the batch listeners (service desk,
live feed, cascades) read them. They are plain slotted dataclasses: one is made for every event,
so they carry no validation of their own (the event inside holds a validated
:class:`~schemas.events.SocialEvent`'s values).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from pipeline.text import Analysis
from schemas.deadletter import DeadLetter, Stage
from schemas.events import Kind, Platform, SocialEvent, VerifiedType


class RawRecord(NamedTuple):
    """A Kafka message as the worker received it.

    A named tuple: one is made for every message (and every line of a packed one), and a tuple is
    built in a fraction of a frozen dataclass's time (which sets each field through ``object.__setattr__``).
    """

    topic: str
    partition: int
    offset: int
    value: bytes | None
    timestamp: float | None = None  # broker/producer time, seconds


@dataclass(slots=True)
class AuthorRecord:
    """The author of a validated event, as the worker keeps it (see :class:`EventRecord`)."""

    id: str
    name: str
    verified: bool
    verified_type: VerifiedType
    followers: int
    following: int
    posts: int
    created_at: datetime | None


@dataclass(slots=True)
class EngagementRecord:
    """The engagement counts of a validated event."""

    reposts: int
    comments: int
    likes: int
    reads: int | None


@dataclass(slots=True)
class EventRecord:
    """A validated :class:`~schemas.events.SocialEvent`'s values in slotted objects, read by attribute like it.

    The worker holds every event of the batches in flight (tens of thousands); a pydantic model keeps
    its values in a dict and a set of the fields given, for itself and its author and engagement
    (about 3.5 KB an event in all), these objects about 1.0 KB. Made once per event by :func:`event_record`.
    """

    id: str
    platform: Platform
    kind: Kind
    root_id: str | None
    parent_id: str | None
    author: AuthorRecord
    title: str
    text: str
    created_at: datetime
    engagement: EngagementRecord
    urls: list[str]
    campaign: str | None
    group_id: str | None

    @property
    def thread_id(self) -> str:
        """The id every event of one thread shares: the root's id (Kafka message key)."""
        return self.root_id or self.id


def event_record(ev: SocialEvent) -> EventRecord:
    """The worker's form of a validated event (same values; the model is dropped after this)."""
    a, e = ev.author, ev.engagement
    return EventRecord(
        ev.id, ev.platform, ev.kind, ev.root_id, ev.parent_id,
        AuthorRecord(a.id, a.name, a.verified, a.verified_type, a.followers, a.following, a.posts, a.created_at),
        ev.title, ev.text, ev.created_at, EngagementRecord(e.reposts, e.comments, e.likes, e.reads),
        ev.urls, ev.campaign, ev.group_id,
    )  # fmt: skip


@dataclass(slots=True)
class Enriched:
    """A valid event with its text analysis."""

    record: RawRecord
    event: EventRecord
    analysis: Analysis
    hot_event: str = ""
    """The hot event it belongs to ('' unless assigned: comments, or event clustering off)."""
    hot_event_how: str = ""
    """How it joined: ``new``, ``copy`` or ``repost`` (pipeline/monitor/event_index.py)."""
    hot_event_distance: int = 0
    """SimHash distance to the post it was matched with (``copy`` only)."""
    simhash: int = 0
    """SimHash of its own text (0: not a post, or too short to compare)."""

    @property
    def repost_depth(self) -> int:
        """Hops from the root post: 1 + length of the ``//@`` chain for a repost, else 0."""
        if self.event.kind is Kind.repost:
            return 1 + len(self.analysis.repost_chain)
        return 0


@dataclass(slots=True)
class TableRows:
    """Rows for one table with the records they came from (a refused row is dead-lettered alone)."""

    records: list[RawRecord] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class BatchResult:
    """What one batch produced."""

    enriched: list[Enriched]
    dead_letters: list[DeadLetter]
    tracked: dict[str, TableRows] = field(default_factory=dict)
    """Tracking rows (clicks, visits, conversions) by table name (:mod:`pipeline.tracking.decode`)."""

    @property
    def tracked_rows(self) -> int:
        """How many tracking rows the batch holds."""
        return sum(len(t.rows) for t in self.tracked.values())


Decoded = list[tuple[RawRecord, EventRecord]]
"""Valid events of a batch with the records they came from."""

BatchPreparer = Callable[[BatchResult], None]
"""Called with each batch, in arrival order, before it is written; may set fields of its events (hot
events). Runs on a thread of its own; a preparer that raises is logged and the batch is written as is."""

BatchListener = Callable[[BatchResult], Awaitable[None]]
"""Called after a batch is stored and before its offsets are released (service desk, live feed,
cascades ...). Listeners must be idempotent: after a crash a batch is seen again. A listener
raising a :class:`~pipeline.errors.Transient` error is retried with backoff; any other error is
logged and the batch goes on."""


def dead_letter(rec: RawRecord, stage: Stage, reason: str, message: str) -> DeadLetter:
    """The dead letter of a record that failed at ``stage`` for ``reason`` (``message`` says how)."""
    return DeadLetter.build(
        rec.value or b"", topic=rec.topic, partition=rec.partition, offset=rec.offset,
        stage=stage, reason=reason, error=message,
    )
