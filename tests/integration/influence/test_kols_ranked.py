"""The KOL ranking ClickHouse cuts to the first authors equals scoring every author in Python (both engines)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pipeline.monitor import kols
from pipeline.storage import ClickHouse

pytestmark = pytest.mark.integration

LO, HI, DAYS = datetime(2024, 6, 14, tzinfo=UTC), datetime(2024, 6, 18, tzinfo=UTC), 4.0

EVERY_AUTHOR = f"""
SELECT {", ".join(kols.FIELDS)} FROM
(
    SELECT platform, author_id, argMax(author_name, created_at) AS author_name, max(author_followers) AS followers,
           argMax(author_verified_type, created_at) AS verified_type, max({kols.SUSPECT}) AS suspect, count() AS posts,
           countIf(has(brands, %(brand)s)) AS brand_posts,
           uniqExactIf(toDate(created_at), has(brands, %(brand)s)) AS active_days,
           sumIf(reposts + comments + likes, has(brands, %(brand)s)) AS engagement,
           sumIf(ifNull(reads, 0), has(brands, %(brand)s)) AS reads,
           avgIf(if(sentiment = 'positive', 1, if(sentiment = 'negative', -1, 0)), has(brands, %(brand)s))
               AS brand_sentiment
    FROM mentions FINAL WHERE created_at >= %(lo)s AND created_at < %(hi)s
    GROUP BY platform, author_id HAVING brand_posts > 0
) AS f
ALL LEFT JOIN
(
    SELECT platform, author_id, uniqExact(fan) AS engaged, uniqExactIf(fan, fan_suspect = 1) AS engaged_suspect,
           uniqExactIf(fan, fan_buyer = 1) AS engaged_buyers
    FROM (SELECT event_id AS root, platform, author_id FROM mentions FINAL
          WHERE created_at >= %(lo)s AND created_at < %(hi)s AND has(brands, %(brand)s)
            AND kind IN ('post', 'article')) AS p
    ALL INNER JOIN
         (SELECT root_id AS root, author_id AS fan, {kols.SUSPECT} AS fan_suspect, buyer AS fan_buyer
          FROM mentions FINAL
          WHERE kind IN ('repost', 'comment') AND root_id != '' AND created_at >= %(lo)s) AS r USING (root)
    GROUP BY platform, author_id
) AS e USING (platform, author_id)
"""
"""Every author's figures read the plain way: whole FINAL reads, no narrowing (the oracle)."""


def _every_author(ch: ClickHouse, brand: str) -> list[dict[str, Any]]:
    return ch.query(EVERY_AUTHOR, {"brand": brand, "lo": LO, "hi": HI})


@pytest.mark.parametrize("sort", ["score", "reach", "engagement", "quality", "affinity"])
def test_the_first_authors_are_those_of_scoring_everyone(demo_ch: ClickHouse, sort: kols.SortKey,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    everyone = _every_author(demo_ch, "蒙牛")
    assert len(everyone) >= 10 and any(r["engaged"] for r in everyone)
    expected = kols.rank(everyone, DAYS, sort, limit=5)
    assert kols.ranked(demo_ch, "蒙牛", LO, HI, DAYS, sort=sort, limit=5) == expected
    monkeypatch.setattr(kols, "MARGIN", 0)  # ClickHouse's own order alone picks the five
    assert kols.ranked(demo_ch, "蒙牛", LO, HI, DAYS, sort=sort, limit=5) == expected
    assert kols.ranked(demo_ch, "蒙牛", LO, HI, DAYS, sort=sort, limit=len(everyone) + 3) == kols.rank(
        everyone, DAYS, sort, limit=len(everyone))


def test_no_author_named_the_brand(demo_ch: ClickHouse) -> None:
    assert kols.ranked(demo_ch, "没有这个品牌", LO, HI, DAYS) == []
