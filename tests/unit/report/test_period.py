"""Period arithmetic and trend maths of the report (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pipeline.errors import ConfigError
from pipeline.report.period import Period, Trend, parse_day, share


def test_a_day_and_the_one_before() -> None:
    p = Period.containing("day", date(2024, 3, 1))
    assert (p.start, p.end, p.days) == (date(2024, 3, 1), date(2024, 3, 2), 1)
    assert p.previous() == Period(kind="day", start=date(2024, 2, 29), end=date(2024, 3, 1))  # leap day
    assert p.start_at == datetime(2024, 3, 1, tzinfo=UTC) and p.end_at == datetime(2024, 3, 2, tzinfo=UTC)
    assert (p.label, p.slug, p.title, p.buckets) == ("2024-03-01", "day-2024-03-01", "舆情日报", (3600, 24))


@pytest.mark.parametrize("day", [date(2024, 12, 30), date(2025, 1, 1), date(2025, 1, 5)])
def test_a_week_is_the_iso_week_across_a_year_end(day: date) -> None:
    p = Period.containing("week", day)
    assert (p.start, p.end) == (date(2024, 12, 30), date(2025, 1, 6))
    assert p.slug == "week-2025-W01" and p.title == "舆情周报" and p.buckets == (86400, 7)
    assert p.label == "2024-12-30 – 2025-01-05 (2025-W01)"
    assert p.previous().start == date(2024, 12, 23) and p.previous().end == p.start


def test_parse_day() -> None:
    assert parse_day(" 2024-06-17 ") == date(2024, 6, 17)
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        parse_day("17/06/2024")


@pytest.mark.parametrize(
    ("current", "previous", "direction", "ratio", "text"),
    [(125, 100, "up", 0.25, "+25.0%"), (97, 100, "down", -0.03, "-3.0%"), (7, 7, "flat", 0.0, "持平"),
     (0, 0, "flat", None, "持平"), (5, 0, "new", None, "新增"), (0, 4, "down", -1.0, "-100.0%")],
)
def test_trend(current: int, previous: int, direction: str, ratio: float | None, text: str) -> None:
    t = Trend(current=current, previous=previous)
    assert t.change == current - previous
    assert t.direction == direction and t.text == text
    assert t.ratio == (pytest.approx(ratio) if ratio is not None else None)


def test_share() -> None:
    assert share(1, 4) == 0.25 and share(3, 0) == 0.0
