"""The report's numbers from ClickHouse (18.16 and chDB) equal the same numbers computed in Python."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from pipeline.report.data import build_report, latest_day
from pipeline.report.period import Period
from tests.integration.report.conftest import DAY, DemoDB

pytestmark = pytest.mark.integration


def _in(row: dict[str, Any], period: Period) -> bool:
    at = row["created_at"]
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return period.start_at <= at < period.end_at


@pytest.mark.parametrize("kind", ["day", "week"])
def test_numbers_match_python(demo_db: DemoDB, kind: str) -> None:
    ch, rows = demo_db.ch, demo_db.rows
    assert latest_day(ch) == DAY
    period = Period.containing("day" if kind == "day" else "week", DAY)
    report = build_report(ch, period, "蒙牛", ["蒙牛"], now=datetime(2024, 6, 20, tzinfo=UTC))
    for p, attr in ((period, "current"), (period.previous(), "previous")):
        mine = [r for r in rows if _in(r, p) and "蒙牛" in r["brands"]]
        assert getattr(report.mentions, attr) == len(mine)
        assert getattr(report.buyers, attr) == sum(r["buyer"] for r in mine)
        assert getattr(report.service_requests, attr) == sum(r["service_request"] for r in mine)
        assert getattr(report.sentiment["negative"], attr) == sum(r["sentiment"] == "negative" for r in mine)
        brands = Counter(b for r in rows if _in(r, p) for b in set(r["brands"]))
        sov = {v.brand: getattr(v.volume, attr) for v in report.share_of_voice}
        assert all(sov[b] == brands[b] for b in sov)
    assert report.mentions.current > 0 and report.share_of_voice[0].brand == "蒙牛"
    assert sum(sum(s.counts) for s in report.series if s.brand == "蒙牛") == report.mentions.current
    top = max((r for r in rows if _in(r, period) and "蒙牛" in r["brands"]),
              key=lambda r: r["reposts"] + r["comments"] + r["likes"])
    assert report.top_posts[0].engagement == top["reposts"] + top["comments"] + top["likes"]
    assert sum(a.mentions for a in report.top_authors) <= report.mentions.current
    assert [a.brand for a in report.alerts] == ["蒙牛"]  # 伊利's alert is not in 蒙牛's report
    # four cases: opened 30, 10, 4 and 2 hours before the day's end (the first on the Sunday before)
    assert (report.desk.opened.current, report.desk.opened.previous) == (3, 1)
    assert (report.desk.answered, report.desk.resolved) == (2, 1)  # replied: cases 2 and 3; resolved: case 3
    assert report.desk.backlog == 3  # only the third case (claim, reply, resolve) is closed


def test_every_brand_report(demo_db: DemoDB) -> None:
    report = build_report(demo_db.ch, Period.containing("day", DAY), "", ["蒙牛"])
    assert report.mentions.current == sum(_in(r, report.period) for r in demo_db.rows)
    assert {a.brand for a in report.alerts} == {"蒙牛", "伊利"}
