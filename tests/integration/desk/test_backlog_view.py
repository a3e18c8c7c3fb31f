"""desk_backlog_daily (running sums, migration 026) against 004's expansion of every case into its open days."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pipeline.desk.store import CASE_COLUMNS
from pipeline.storage import ClickHouse

pytestmark = pytest.mark.integration

EXPANDED = """
SELECT day, category, platform, brand, count() AS open_cases,
       countIf(resolution_due < toDateTime(day + 1)) AS overdue_cases
FROM
(
    SELECT category, platform, brand, resolution_due,
           arrayJoin(arrayMap(i -> toDate(opened_at) + i,
               range(toUInt64(toRelativeDayNum(ifNull(resolved_at, now())) - toRelativeDayNum(opened_at) + 1)))) AS day,
           resolved_at
    FROM desk_cases_latest
)
WHERE isNull(resolved_at) OR toDate(assumeNotNull(resolved_at)) > day
GROUP BY day, category, platform, brand
ORDER BY day, category, platform, brand
"""
"""004's definition (the oracle): one row per case and day it was open at the day's end."""


def _case(i: int, rng: random.Random, now: datetime) -> list[dict[str, Any]]:
    """Revisions of one case: opened up to 40 days ago, due 2 hours to 6 days later, maybe resolved later."""
    opened = now - timedelta(days=rng.uniform(0, 40))
    due = opened + timedelta(hours=rng.uniform(2, 144))
    base = {c: "" for c in CASE_COLUMNS} | {
        "case_id": f"c{i}", "case_key": f"k{i}", "platform": rng.choice(["weibo", "wechat"]),
        "category": rng.choice(["logistics", "refund", "quality"]), "brand": rng.choice(["蒙牛", "伊利", ""]),
        "priority": "normal", "status": "new", "author_followers": 1, "author_verified": 0, "sentiment_score": 0.0,
        "escalated": 0, "opened_at": opened, "first_message_at": opened, "last_message_at": opened,
        "updated_at": opened, "first_response_due": opened + timedelta(hours=1), "resolution_due": due,
        "first_response_at": None, "resolved_at": None, "reopen_count": 0, "repeats": 0, "revision": 1}
    revisions = [base]
    if rng.random() < 0.6:  # resolved later: a second revision, stored after the first
        resolved = min(now, opened + timedelta(days=rng.uniform(0, 12)))
        revisions.append(base | {"status": "resolved", "resolved_at": resolved, "updated_at": resolved, "revision": 2})
    return revisions


def test_the_running_sums_equal_every_case_day_counted(ch: ClickHouse) -> None:
    rng = random.Random(26)
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    revisions = [r for i in range(300) for r in _case(i, rng, now)]
    for batch in (revisions[::2], revisions[1::2]):  # two parts, so the latest revision is chosen across them
        ch.insert("desk_cases", CASE_COLUMNS, [tuple(r[c] for c in CASE_COLUMNS) for r in batch])
    for _ in range(2):  # once more if a midnight passed between the two reads
        day = ch.query("SELECT today() AS d")[0]["d"]
        got = ch.query("SELECT * FROM desk_backlog_daily ORDER BY day, category, platform, brand")
        want = ch.query(EXPANDED)
        if ch.query("SELECT today() AS d")[0]["d"] == day:
            break
    assert got == want
    assert len(got) > 300 and sum(r["overdue_cases"] for r in got) > 0
    assert any(r["overdue_cases"] < r["open_cases"] for r in got)
