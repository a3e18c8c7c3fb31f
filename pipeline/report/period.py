"""The period a report covers (a UTC day or an ISO week, Monday to Sunday), the one before it, and trends.

Pure: no clock and no database. Days are UTC days, as in the BI views (``toDate`` of a
``DateTime('UTC')``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pipeline.errors import ConfigError

PeriodKind = Literal["day", "week"]


class Period(BaseModel):
    """``[start, end)`` in UTC days: one day, or the ISO week (Monday to Sunday) that holds a day."""

    model_config = ConfigDict(frozen=True)

    kind: PeriodKind
    start: date
    end: date  # exclusive

    @classmethod
    def containing(cls, kind: PeriodKind, day: date) -> Period:
        """The day ``day``, or the ISO week that contains it."""
        if kind == "day":
            return cls(kind=kind, start=day, end=day + timedelta(days=1))
        monday = day - timedelta(days=day.weekday())
        return cls(kind=kind, start=monday, end=monday + timedelta(days=7))

    @property
    def days(self) -> int:
        """Length in days (1 or 7)."""
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return Period(kind=self.kind, start=self.start - timedelta(days=self.days), end=self.start)

    @property
    def start_at(self) -> datetime:
        """The first instant, midnight UTC."""
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        """The instant after the last one, midnight UTC."""
        return datetime(self.end.year, self.end.month, self.end.day, tzinfo=UTC)

    @property
    def buckets(self) -> tuple[int, int]:
        """(bucket seconds, bucket count) of the volume chart: hours of a day, days of a week."""
        return (3600, 24) if self.kind == "day" else (86400, 7)

    @property
    def title(self) -> str:
        """舆情日报 or 舆情周报."""
        return "舆情日报" if self.kind == "day" else "舆情周报"

    @property
    def label(self) -> str:
        """``2024-06-17`` for a day, ``2024-06-10 – 2024-06-16 (2024-W24)`` for a week."""
        if self.kind == "day":
            return self.start.isoformat()
        year, week, _ = self.start.isocalendar()
        last = self.end - timedelta(days=1)
        return f"{self.start.isoformat()} – {last.isoformat()} ({year}-W{week:02d})"

    @property
    def slug(self) -> str:
        """A file-name part: ``day-2024-06-17`` or ``week-2024-W24``."""
        if self.kind == "day":
            return f"day-{self.start.isoformat()}"
        year, week, _ = self.start.isocalendar()
        return f"week-{year}-W{week:02d}"


def parse_day(text: str) -> date:
    """``YYYY-MM-DD`` as a date; ConfigError naming the expected form otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"--date {text[:40]!r}: expected a day as YYYY-MM-DD, e.g. 2024-06-17") from None


Direction = Literal["up", "down", "flat", "new"]


class Trend(BaseModel):
    """A count in this period beside the previous one."""

    model_config = ConfigDict(frozen=True)

    current: int
    previous: int

    @property
    def change(self) -> int:
        """The difference, current minus previous."""
        return self.current - self.previous

    @property
    def ratio(self) -> float | None:
        """Relative change (0.25 = +25 %); None when the previous period had none."""
        return None if self.previous == 0 else self.change / self.previous

    @property
    def direction(self) -> Direction:
        """up, down or flat; new when it rose from zero."""
        if self.change == 0:
            return "flat"
        if self.previous == 0:
            return "new"
        return "up" if self.change > 0 else "down"

    @property
    def text(self) -> str:
        """``+25.0%``, ``-3.1%``, ``持平`` (flat) or ``新增`` (from zero)."""
        if self.direction == "flat":
            return "持平"
        if self.direction == "new":
            return "新增"
        assert self.ratio is not None
        return f"{self.ratio * 100:+.1f}%"


def share(part: int, whole: int) -> float:
    """``part / whole``; 0.0 when ``whole`` is 0."""
    return part / whole if whole else 0.0
