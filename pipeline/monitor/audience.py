"""Audience quality: who talks about a brand - real customers, potential customers, high-value
accounts, suspected low-quality accounts (bots, water army).

The per-author rules live in the ``author_quality`` view (migration 005) so every reader sees the
same answer; :func:`classify` mirrors them in Python for the API docs and the unit tests.
The worker only records one narrow ``audience_events`` row per event (:func:`audience_row`).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pipeline.worker.enrich import Enriched

log = logging.getLogger(__name__)

BOT_MAX_FOLLOWERS = 50
BOT_MIN_POSTS = 2000
NEW_ACCOUNT_DAYS = 30
NEW_ACCOUNT_MAX_FOLLOWERS = 100
DUPLICATE_MIN_TEXTS = 3
COPIED_MAX_FOLLOWERS = 500
COPY_MIN_AUTHORS = 5
HIGH_VALUE_FOLLOWERS = 10000
VERIFIED_HIGH_VALUE_FOLLOWERS = 1000
HIGH_VALUE_TYPES = frozenset({"kol", "media"})
MIN_COMPARED_CHARS = 8
"""Shorter own texts (转发微博, 赞, emoji) are not compared for duplicates."""
SEGMENTS = ("real_customer", "potential_customer", "high_value", "suspected_low_quality", "ordinary")

AUDIENCE_COLUMNS: tuple[str, ...] = (
    "platform", "author_id", "event_id", "created_at", "author_name", "verified_type", "followers", "posts",
    "account_created", "brands", "buyer", "purchase_intent", "text_hash", "version",
)  # fmt: skip
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def text_hash(own_text: str) -> int:
    """Stable 63-bit hash of a text for duplicate detection; 0 when too short to compare."""
    compact = "".join(own_text.split())
    if len(compact) < MIN_COMPARED_CHARS:
        return 0
    return int.from_bytes(hashlib.blake2b(compact.encode(), digest_size=8).digest(), "big") >> 1 or 1


def suspect_account(followers: int, posts: int, account_age_days: float | None) -> bool:
    """Low-quality on the profile alone: very few followers with very many posts, or a new account."""
    if followers < BOT_MAX_FOLLOWERS and posts >= BOT_MIN_POSTS:
        return True
    young = account_age_days is not None and account_age_days < NEW_ACCOUNT_DAYS
    return young and followers < NEW_ACCOUNT_MAX_FOLLOWERS


@dataclass(frozen=True, slots=True)
class AuthorStats:
    """What the ``author_stats`` view knows about one author."""

    followers: int = 0
    posts: int = 0
    verified_type: str = "none"
    account_age_days: float | None = None
    """Age of the account when first seen."""
    compared_texts: int = 0
    distinct_texts: int = 0
    copied_texts: int = 0
    buyer: bool = False
    purchase_intent: bool = False


def classify(stats: AuthorStats, override: str = "") -> list[str]:
    """Segments of an author (the Python twin of the ``author_quality`` view)."""
    if override:
        return [override]
    suspect = (
        suspect_account(stats.followers, stats.posts, stats.account_age_days)
        or (stats.compared_texts >= DUPLICATE_MIN_TEXTS and stats.distinct_texts * 2 <= stats.compared_texts)
        or (stats.copied_texts >= 1 and stats.followers < COPIED_MAX_FOLLOWERS)
    )
    if suspect:
        return ["suspected_low_quality"]
    high_value = (
        stats.followers >= HIGH_VALUE_FOLLOWERS
        or (stats.verified_type != "none" and stats.followers >= VERIFIED_HIGH_VALUE_FOLLOWERS)
        or stats.verified_type in HIGH_VALUE_TYPES
    )
    out = []
    if stats.buyer:
        out.append("real_customer")
    if stats.purchase_intent and not stats.buyer:
        out.append("potential_customer")
    if high_value:
        out.append("high_value")
    return out or ["ordinary"]


def account_age_days(item: Enriched) -> float | None:
    """Age of the author's account when the event was written (None when unknown)."""
    created = item.event.author.created_at
    if created is None:
        return None
    return (item.event.created_at - created).total_seconds() / 86400


def audience_row(item: Enriched, version: int) -> tuple[Any, ...]:
    """The ``audience_events`` row of one enriched event (in :data:`AUDIENCE_COLUMNS` order)."""
    ev, an, author = item.event, item.analysis, item.event.author
    return (
        ev.platform.value, author.id, ev.id, ev.created_at, author.name, author.verified_type.value,
        author.followers, author.posts, author.created_at or _EPOCH, list(an.brands), int(an.buyer),
        int(an.purchase_intent), text_hash(an.own_text), version,
    )


def audience_rows(items: Sequence[Enriched], version: int | None = None) -> list[tuple[Any, ...]]:
    """Rows of a batch; one version for the whole batch."""
    v = version if version is not None else time.time_ns() // 1000
    return [audience_row(item, v) for item in items]
