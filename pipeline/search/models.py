"""Pydantic models at the search boundary: a search, its hits, counts and pages, saved searches."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any, Literal

import orjson
from pydantic import AliasChoices, BaseModel, Field, field_validator

from pipeline.search.parse import QueryError

Sort = Literal["time", "engagement"]


class Search(BaseModel):
    """What to look for: a query, a time range (``created_at``, from inclusive, to exclusive) and an order."""

    q: str = Field(default="", description="the query (words, \"phrases\", AND/OR/NOT, (), brand: platform: ...)")
    from_: datetime | None = Field(None, validation_alias=AliasChoices("from", "from_"), serialization_alias="from",
                                   description="earliest created_at (inclusive)")
    to: datetime | None = Field(None, description="latest created_at (exclusive)")
    sort: Sort = Field(default="time", description="time (newest first) or engagement (reposts+comments+likes)")

    @field_validator("from_", "to")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """Naive times are UTC."""
        from datetime import UTC

        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Cursor(BaseModel):
    """Where the next page starts: the sort key and event id of the last hit (keyset pagination)."""

    key: int
    event_id: str

    def encode(self) -> str:
        """An opaque URL-safe string."""
        return base64.urlsafe_b64encode(orjson.dumps(self.model_dump())).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """The cursor of :meth:`encode`; QueryError (position 0) when it is not one."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            return cls.model_validate(orjson.loads(raw))
        except (ValueError, TypeError) as exc:
            raise QueryError("invalid cursor: pass next_cursor of the previous page unchanged", 0) from exc


class Hit(BaseModel):
    """One mention found: what the result list shows."""

    event_id: str
    platform: str
    kind: str
    thread_id: str
    author_id: str
    author_name: str
    author_followers: int
    created_at: datetime
    text: str
    brands: list[str]
    competitors: list[str]
    signals: list[str]
    sentiment: str
    sentiment_score: float
    service_category: str
    priority: str
    reposts: int
    comments: int
    likes: int
    evidence: dict[str, Any] = Field(description="why each signal was found (cue phrases, brand names)")

    @field_validator("created_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        """Stored times are UTC."""
        from datetime import UTC

        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class Bucket(BaseModel):
    """A count and the search that lists exactly its mentions (drill-down)."""

    key: str
    count: int
    q: str
    from_: datetime | None = Field(None, validation_alias=AliasChoices("from", "from_"), serialization_alias="from")
    to: datetime | None = None


class Counts(BaseModel):
    """Hits of the whole query (every page) by day (UTC), brand and platform."""

    total: int
    by_day: list[Bucket]
    by_brand: list[Bucket]
    by_platform: list[Bucket]


class Page(BaseModel):
    """One page of hits, the cursor of the next (None at the end) and, on request, the counts."""

    hits: list[Hit]
    next_cursor: str | None
    counts: Counts | None = None


class SavedSearchIn(BaseModel):
    """A search to keep under a name."""

    name: str = Field(min_length=1, max_length=200)
    q: str = Field(max_length=2000)


class SavedSearch(SavedSearchIn):
    """A saved search of one user."""

    search_id: str
    owner: str
    created_at: datetime


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC day as [start, next start)."""
    from datetime import UTC, timedelta

    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)
