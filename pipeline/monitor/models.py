"""Pydantic models at the API and topic boundaries: live mentions, alerts, counters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, Field


class LiveMention(BaseModel):
    """An enriched mention as the live stream sends it."""

    event_id: str
    platform: str
    kind: str
    author_id: str
    author_name: str
    author_followers: int
    text: str
    created_at: datetime
    received_at: float = Field(description="Seconds since the epoch when the worker stored it.")
    brands: list[str]
    competitors: list[str]
    signals: list[str]
    sentiment: str
    sentiment_score: float
    keywords: list[str]
    buyer: bool
    service_request: bool
    purchase_intent: bool
    repost_depth: int


class Filterable(Protocol):
    """What a filter looks at: a :class:`LiveMention` or the live feed's compact record of one."""

    @property
    def platform(self) -> str:
        """The platform the mention was posted on."""
        ...

    @property
    def sentiment(self) -> str:
        """The mention's sentiment label: positive, negative or neutral."""
        ...

    @property
    def brands(self) -> Sequence[str]:
        """The brands detected in the mention."""
        ...

    @property
    def competitors(self) -> Sequence[str]:
        """The competitor brands detected in the mention."""
        ...

    @property
    def signals(self) -> Sequence[str]:
        """The signals the mention's analysis found."""
        ...


class MentionFilter(BaseModel):
    """Filters of the live stream; empty fields match everything."""

    brand: str | None = None
    competitor: str | None = None
    signal: str | None = None
    platform: str | None = None
    sentiment: str | None = None

    def matches(self, m: Filterable) -> bool:
        """Whether a mention passes every filter that is set."""
        return (
            (not self.brand or self.brand in m.brands)
            and (not self.competitor or self.competitor in m.competitors)
            and (not self.signal or self.signal == "mention" or self.signal in m.signals)
            and (not self.platform or self.platform == m.platform)
            and (not self.sentiment or self.sentiment == m.sentiment)
        )


class MinuteCount(BaseModel):
    """Mentions received in one minute (processing time) that pass the filters."""

    minute: datetime
    mentions: int
    negative: int
    service_requests: int
    competitor_mentions: int


class TermScore(BaseModel):
    """A term of the spike window: how often it occurs there and in an average baseline window."""

    term: str
    count: int
    expected: float
    score: float


class AuthorCount(BaseModel):
    """An author of the spike window."""

    author_id: str
    author_name: str
    followers: int
    mentions: int


class PostRef(BaseModel):
    """A post of the spike window."""

    event_id: str
    author_name: str
    text: str
    engagement: int
    created_at: datetime


class Alert(BaseModel):
    """A spike of one signal for one brand, with what explains it."""

    alert_id: str
    brand: str
    signal: str
    window_start: datetime
    window_end: datetime
    fired_at: datetime
    count: int
    baseline_mean: float
    baseline_std: float
    baseline_windows: int
    threshold: float
    score: float = Field(description="(count - mean) / effective sigma")
    severity: str = Field(description="low, medium or high")
    top_terms: list[TermScore] = Field(default_factory=list)
    top_authors: list[AuthorCount] = Field(default_factory=list)
    top_posts: list[PostRef] = Field(default_factory=list)
    explanation: str = ""
