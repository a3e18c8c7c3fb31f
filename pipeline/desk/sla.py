"""Priority of a case and its SLA due times (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline.config import PRIORITIES, DeskSettings

RANK = {p: i for i, p in enumerate(PRIORITIES)}
"""urgent=0 ... low=3: lower is more urgent."""

_REACH_TYPES = frozenset({"kol", "media", "government"})
_HARSH_CATEGORIES = frozenset({"refund", "quality", "missing_parts", "return_exchange", "complaint"})


@dataclass(frozen=True)
class Reach:
    """What raises a case's priority besides its text."""

    followers: int = 0
    verified: bool = False
    verified_type: str = "none"
    repeats: int = 0
    engagement: int = 0
    sentiment: str = "neutral"
    sentiment_score: float = 0.0
    category: str = "other"


def raise_by(priority: str, levels: int) -> str:
    """``priority`` moved ``levels`` steps towards urgent (never past it)."""
    rank = RANK.get(priority, RANK["normal"])
    return PRIORITIES[max(0, rank - levels)]


def bumps(reach: Reach, cfg: DeskSettings) -> list[str]:
    """Reasons to raise the priority: influential author, repeats, viral post, very negative complaint."""
    reasons = []
    if reach.followers >= cfg.desk_kol_followers or (reach.verified and reach.verified_type in _REACH_TYPES):
        reasons.append("kol")
    if reach.repeats >= 2:
        reasons.append("repeats")
    if reach.engagement >= cfg.desk_viral_engagement:
        reasons.append("viral")
    if reach.sentiment == "negative" and reach.sentiment_score <= -0.8 and reach.category in _HARSH_CATEGORIES:
        reasons.append("angry")
    return reasons


def case_priority(detector_priority: str, reach: Reach, cfg: DeskSettings, *, escalated: bool = False) -> str:
    """Priority from the detector's priority raised by reach (at most two levels); escalated cases are urgent."""
    if escalated:
        return "urgent"
    base = detector_priority if detector_priority in RANK else "normal"
    return raise_by(base, min(2, len(bumps(reach, cfg))))


def due_times(priority: str, opened_at: datetime, cfg: DeskSettings) -> tuple[datetime, datetime]:
    """(first-response due, resolution due) for a case opened at ``opened_at``."""
    first = cfg.first_response_minutes()[priority]
    resolve = cfg.resolution_minutes()[priority]
    return opened_at + timedelta(minutes=first), opened_at + timedelta(minutes=resolve)


def is_overdue(
    now: datetime,
    *,
    status: str,
    first_response_due: datetime,
    first_response_at: datetime | None,
    resolution_due: datetime,
) -> bool:
    """Open and past a due time it has not met."""
    if status == "resolved":
        return False
    if first_response_at is None and now > first_response_due:
        return True
    return now > resolution_due
