"""The tables the worker writes.

Column lists in DDL order (a test checks them against DESCRIBE) and the mapping of records to
rows in that order.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from pipeline.records import Enriched
from schemas.deadletter import DeadLetter

MENTION_COLUMNS: tuple[str, ...] = (
    "event_id", "platform", "kind", "thread_id", "root_id", "parent_id",
    "author_id", "author_name", "author_verified", "author_verified_type",
    "author_followers", "author_following", "author_posts",
    "created_at", "ingested_at", "title", "text", "own_text", "urls", "campaign",
    "reposts", "comments", "likes", "reads",
    "tokens", "keywords", "mentions", "hashtags", "emoticons", "repost_chain", "repost_depth",
    "brands", "competitors", "own_brand", "buyer", "service_request", "service_category", "priority",
    "purchase_intent", "sentiment", "sentiment_score", "evidence", "signals", "version",
    "author_created", "text_hash",  # added by migration 006 (ALTER TABLE ... ADD COLUMN appends)
    "hot_event", "hot_event_how", "hot_event_distance", "simhash",  # migration 010
    "group_id",  # migration 012
)  # fmt: skip

DEADLETTER_COLUMNS: tuple[str, ...] = (
    "dl_id", "source_topic", "partition", "offset", "stage", "reason", "error",
    "raw_b64", "raw_preview", "received_at", "version", "raw_size", "raw_truncated",
)  # fmt: skip


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""Stored for an unknown time (ClickHouse's DateTime has no NULL here: 0 means unknown)."""


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def mention_tuple(item: Enriched, ingested_at: datetime, version: int) -> tuple[Any, ...]:
    """The ``mentions`` row of one enriched event, in :data:`MENTION_COLUMNS` order (the insert form).

    One call per stored event: the enums go in as themselves (a ``StrEnum`` is its value, and both
    backends write it as a string) and the common empty cases skip their work.
    """
    ev, an = item.event, item.analysis
    author = ev.author
    eng = ev.engagement
    root_id, ev_urls, an_urls = ev.root_id, ev.urls, an.urls
    return (
        ev.id, ev.platform, ev.kind, root_id or ev.id, root_id or "", ev.parent_id or "",
        author.id, author.name, int(author.verified), author.verified_type,
        author.followers, author.following, author.posts,
        ev.created_at, ingested_at, ev.title, ev.text, an.own_text,
        list(dict.fromkeys([*ev_urls, *an_urls])) if ev_urls or an_urls else [], ev.campaign or "",
        eng.reposts, eng.comments, eng.likes, eng.reads,
        an.tokens, an.keywords, an.mentions, an.hashtags, an.emoticons, an.repost_chain, item.repost_depth,
        an.brands, an.competitors, int(an.own_brand), int(an.buyer), int(an.service_request),
        an.service_category or "", an.priority or "",
        int(an.purchase_intent), an.sentiment, float(an.sentiment_score),
        orjson.dumps(an.evidence).decode() if an.evidence else "{}",
        an.signals, version, author.created_at or EPOCH, an.text_hash,
        item.hot_event, item.hot_event_how, item.hot_event_distance, item.simhash, ev.group_id or "",
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
        "raw_size": dl.raw_size,
        "raw_truncated": int(dl.raw_truncated),
    }
