"""One batch of raw Kafka records -> enriched mentions and dead letters.

Pure apart from the clock: decode, validate, analyse the text, build ClickHouse rows.
The Faust agent, the benchmark and the tests all call :func:`process_batch`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from pipeline.errors import EventRejected
from pipeline.storage.tables import MENTION_COLUMNS
from pipeline.text import Analysis, TextAnalyzer
from pipeline.worker.decode import decode_event
from schemas.deadletter import DeadLetter, Stage
from schemas.events import Kind, SocialEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A Kafka message as the worker received it."""

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

    @property
    def repost_depth(self) -> int:
        """Hops from the root post: 1 + length of the ``//@`` chain for a repost, else 0."""
        if self.event.kind is Kind.repost:
            return 1 + len(self.analysis.repost_chain)
        return 0


@dataclass(slots=True)
class BatchResult:
    """What one batch produced."""

    enriched: list[Enriched]
    dead_letters: list[DeadLetter]


def unpack(records: Sequence[RawRecord]) -> list[RawRecord]:
    """Split packed messages (several events as JSON lines in one message) into one record per event.

    Producers may pack the events of one partition into a message to save the per-message cost
    (``replay --pack``). Each line keeps the message's topic, partition and offset.
    """
    out: list[RawRecord] = []
    for rec in records:
        value = rec.value
        if value and b"\n" in value:
            out.extend(
                RawRecord(rec.topic, rec.partition, rec.offset, line, rec.timestamp)
                for line in value.split(b"\n")
                if line.strip()
            )
        else:
            out.append(rec)
    return out


Decoded = list[tuple[RawRecord, SocialEvent]]


def decode_batch(
    records: Sequence[RawRecord], *, max_bytes: int, max_text_chars: int
) -> tuple[Decoded, list[DeadLetter]]:
    """Unpack and validate; invalid records become dead letters."""
    valid: Decoded = []
    dead: list[DeadLetter] = []
    for rec in unpack(records):
        try:
            valid.append((rec, decode_event(rec.value, max_bytes=max_bytes, max_text_chars=max_text_chars)))
        except EventRejected as rej:
            dead.append(_dead_letter(rec, rej.stage, rej.reason, rej.message))
    return valid, dead


def analyze_texts(analyzer: TextAnalyzer, texts: list[str], titles: list[str]) -> list[Analysis | str]:
    """Analyses in input order; never raises: a text that breaks the analyzer gives an error string.

    Identical (text, title) pairs of a batch are analysed once and share the (read-only) result:
    reposts often carry the same text (转发微博, a copied slogan), about 8 % of a batch of the
    bundled Weibo stream.
    """
    slices, order = distinct_slices(texts, titles, 1)
    if not slices:
        return []
    distinct_texts, distinct_titles = slices[0]
    if len(distinct_texts) == len(texts):
        return analyze_each(analyzer, texts, titles)
    done = analyze_each(analyzer, distinct_texts, distinct_titles)
    return [done[i] for i in order]


def distinct_slices(
    texts: list[str], titles: list[str], parts: int
) -> tuple[list[tuple[list[str], list[str]]], list[int]]:
    """The distinct (text, title) pairs of a batch in up to ``parts`` slices of near-equal size.

    Returns the slices (texts, titles) and, for every input, the index of its pair among the
    distinct ones in slice order: the analyses of the slices, concatenated, indexed by it give
    the analyses of the batch in input order.
    """
    first: dict[tuple[str, str], int] = {}
    order = [first.setdefault(pair, len(first)) for pair in zip(texts, titles, strict=True)]
    pairs = list(first)
    size = max(1, -(-len(pairs) // max(1, parts)))
    slices = [pairs[i : i + size] for i in range(0, len(pairs), size)]
    return [([t for t, _ in part], [h for _, h in part]) for part in slices], order


def analyze_each(analyzer: TextAnalyzer, texts: list[str], titles: list[str]) -> list[Analysis | str]:
    """Analyses in input order, every text analysed (for texts already distinct); never raises,
    like :func:`analyze_texts`."""
    try:
        return list(analyzer.analyze_batch(texts, titles=titles))
    except Exception:
        log.warning("batch analysis failed; analysing event by event to isolate the bad text")
    out: list[Analysis | str] = []
    for text, title in zip(texts, titles, strict=True):
        try:
            out.append(analyzer.analyze(text, title=title))
        except Exception as exc:  # poison text: keep the worker alive, keep the bytes
            out.append(f"{type(exc).__name__}: {exc}")
    return out


def assemble(valid: Decoded, analyses: Sequence[Analysis | str], dead: list[DeadLetter]) -> BatchResult:
    """Pair events with their analyses; failed analyses become dead letters (stage ``enrich``)."""
    enriched: list[Enriched] = []
    for (rec, ev), an in zip(valid, analyses, strict=True):
        if isinstance(an, str):
            dead.append(_dead_letter(rec, Stage.enrich, "analysis_failed", an))
        else:
            enriched.append(Enriched(rec, ev, an))
    return BatchResult(enriched=enriched, dead_letters=dead)


def process_batch(
    records: Sequence[RawRecord], analyzer: TextAnalyzer, *, max_bytes: int, max_text_chars: int
) -> BatchResult:
    """Decode, validate and analyse a batch in this thread; bad records become dead letters."""
    valid, dead = decode_batch(records, max_bytes=max_bytes, max_text_chars=max_text_chars)
    analyses = analyze_texts(analyzer, [ev.text for _, ev in valid], [ev.title for _, ev in valid])
    return assemble(valid, analyses, dead)


def _dead_letter(rec: RawRecord, stage: Stage, reason: str, message: str) -> DeadLetter:
    return DeadLetter.build(
        rec.value or b"",
        topic=rec.topic,
        partition=rec.partition,
        offset=rec.offset,
        stage=stage,
        reason=reason,
        error=message,
    )


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""Stored for an unknown time (ClickHouse's DateTime has no NULL here: 0 means unknown)."""


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def mention_tuple(item: Enriched, ingested_at: datetime, version: int) -> tuple[Any, ...]:
    """The ``mentions`` row of one enriched event, in :data:`MENTION_COLUMNS` order (the insert form)."""
    ev, an = item.event, item.analysis
    author = ev.author
    eng = ev.engagement
    return (
        ev.id, ev.platform.value, ev.kind.value, ev.root_id or ev.id, ev.root_id or "", ev.parent_id or "",
        author.id, author.name, int(author.verified), author.verified_type.value,
        author.followers, author.following, author.posts,
        ev.created_at, ingested_at, ev.title, ev.text, an.own_text,
        list(dict.fromkeys([*ev.urls, *an.urls])), ev.campaign or "",
        eng.reposts, eng.comments, eng.likes, eng.reads,
        an.tokens, an.keywords, an.mentions, an.hashtags, an.emoticons, an.repost_chain, item.repost_depth,
        an.brands, an.competitors, int(an.own_brand), int(an.buyer), int(an.service_request),
        an.service_category or "", an.priority or "",
        int(an.purchase_intent), an.sentiment, float(an.sentiment_score), orjson.dumps(an.evidence).decode(),
        an.signals, version, author.created_at or EPOCH, an.text_hash,
    )  # fmt: skip


def mention_rows(items: Sequence[Enriched]) -> list[tuple[Any, ...]]:
    """The ``mentions`` rows of a batch, stamped now: one ingestion time and one row version."""
    ingested_at, version = _now(), time.time_ns() // 1000
    return [mention_tuple(item, ingested_at, version) for item in items]


def mention_row(item: Enriched, ingested_at: datetime | None = None, version: int | None = None) -> dict[str, Any]:
    """The ``mentions`` row of one enriched event (column name -> value)."""
    values = mention_tuple(item, ingested_at or _now(), version if version is not None else time.time_ns() // 1000)
    return dict(zip(MENTION_COLUMNS, values, strict=True))


def deadletter_row(dl: DeadLetter, version: int | None = None) -> dict[str, Any]:
    """The ``dead_letters`` row of one dead letter."""
    return {
        "dl_id": dl.dl_id,
        "source_topic": dl.source_topic,
        "partition": dl.partition,
        "offset": dl.offset,
        "stage": dl.stage.value,
        "reason": dl.reason,
        "error": dl.error,
        "raw_b64": dl.raw_b64,
        "raw_preview": dl.preview(),
        "received_at": dl.received_at,
        "version": version if version is not None else time.time_ns() // 1000,
    }
