"""What a report holds: the numbers read from ClickHouse, before any format is drawn."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from pipeline.report.period import Period, Trend
from pipeline.tracking.funnel import FunnelRow


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class BrandVolume(_Frozen):
    """Mentions of one lexicon brand in the period and the one before, and its share of voice."""

    brand: str
    own: bool
    volume: Trend
    share: float  # of all brand mentions in the period
    previous_share: float


class Series(_Frozen):
    """Mentions of one brand per bucket (hours of a day, days of a week)."""

    brand: str
    counts: list[int]


class Post(_Frozen):
    """One of the period's most engaging mentions."""

    event_id: str
    platform: str
    author_name: str
    created_at: datetime
    text: str
    engagement: int
    sentiment: str


class Author(_Frozen):
    """One of the period's most active authors."""

    platform: str
    author_id: str
    author_name: str
    followers: int
    mentions: int
    engagement: int


class Cascade(_Frozen):
    """A repost cascade whose root was posted in the period."""

    root_id: str
    platform: str
    root_author: str
    root_text: str
    size: int
    max_depth: int
    unique_reposters: int
    suspect_share: float
    suspected_amplification: bool
    amplification_score: float


class SpikeAlert(_Frozen):
    """A spike alert fired in the period."""

    fired_at: datetime
    brand: str
    signal: str
    count: int
    threshold: float
    severity: str
    explanation: str


class Desk(_Frozen):
    """The service desk: cases opened in the period and the backlog at its end."""

    opened: Trend
    answered: int
    resolved: int
    avg_first_response_minutes: float | None
    first_response_breaches: int
    resolution_breaches: int
    backlog: int  # open at the end of the period
    overdue: int  # of those, past their resolution due time


class Report(_Frozen):
    """Everything one daily or weekly report shows."""

    period: Period
    previous: Period
    brand: str  # the brand in focus ('' = every mention)
    generated_at: datetime
    mentions: Trend
    buyers: Trend
    service_requests: Trend
    purchase_intent: Trend
    sentiment: dict[str, Trend] = Field(description="positive / neutral / negative")
    service_categories: dict[str, Trend]
    share_of_voice: list[BrandVolume]
    series: list[Series]
    top_posts: list[Post]
    top_authors: list[Author]
    cascades: list[Cascade]
    amplified_cascades: int
    alerts: list[SpikeAlert]
    desk: Desk
    campaigns: list[FunnelRow] = Field(default_factory=list,
                                       description="tracked campaigns' funnels in the period (when any exist)")

    @property
    def empty(self) -> bool:
        """True when the period has no mention at all."""
        return self.mentions.current == 0
