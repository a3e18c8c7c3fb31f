"""What travels between the stages of the pipeline: raw records, enriched events, batch results.

The worker builds them, the batch writer stores them, and the batch listeners (service desk,
live feed, cascades) read them. They are plain slotted dataclasses: one is made for every event,
so they carry no validation of their own (the event inside is a validated
:class:`~schemas.events.SocialEvent`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pipeline.text import Analysis
from schemas.deadletter import DeadLetter, Stage
from schemas.events import Kind, SocialEvent


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
class Enriched:
    """A valid event with its text analysis."""

    record: RawRecord
    event: SocialEvent
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


Decoded = list[tuple[RawRecord, SocialEvent]]
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
