"""Audience quality: who talks about a brand.

Real customers, potential customers, high-value accounts, suspected low-quality accounts
(bots, water army).

The per-author rules live in the ``author_quality`` view (migration 005) so every reader sees the
same answer; :func:`classify` mirrors them in Python for the API docs and the unit tests.
One narrow ``audience_events`` row per event is written by ClickHouse itself, by a materialized
view of ``mentions`` (migration 006): the worker inserts mentions and nothing else for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

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
SEGMENTS = ("real_customer", "potential_customer", "high_value", "suspected_low_quality", "ordinary")


SUSPECT_SQL = ("((author_followers < 50 AND author_posts >= 2000) OR (toUInt32(author_created) > 0 "
               "AND toInt64(toUInt32(created_at)) - toInt64(toUInt32(author_created)) < 30 * 86400 "
               "AND author_followers < 100))")
""":func:`suspect_account` as SQL on the columns of ``mentions`` (account age when the mention was written)."""


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
