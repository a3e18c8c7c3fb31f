"""Rollups and BI views are exact under replays, checked against answers computed from the rows."""

from __future__ import annotations

import random

import pytest

from pipeline.storage import ClickHouse
from pipeline.storage.tables import MENTION_COLUMNS
from tests.integration.storage.rows import (
    Row,
    expected_buyers,
    expected_rollup,
    expected_service_requests,
    expected_share_of_voice,
    latest,
    mention,
    sample_mentions,
    tuples,
)

pytestmark = pytest.mark.integration


def rollup(ch: ClickHouse, view: str) -> dict[tuple[object, ...], int]:
    rows = ch.query(f"SELECT bucket, platform, brand, signal, events FROM {view}")
    return {(r["bucket"], r["platform"], r["brand"], r["signal"]): int(r["events"]) for r in rows}


def views(ch: ClickHouse) -> dict[str, object]:
    return {
        "hour": rollup(ch, "rollup_hour"),
        "minute": rollup(ch, "rollup_minute"),
        "sov": {
            (r["day"], r["brand"]): (int(r["mentions"]), pytest.approx(r["share"]))
            for r in ch.query("SELECT day, brand, mentions, share FROM share_of_voice_daily")
        },
        "buyers": {
            (r["day"], r["brand"], r["platform"]): int(r["buyers"])
            for r in ch.query("SELECT day, brand, platform, buyers FROM buyers_by_brand_daily")
        },
        "requests": {
            (r["day"], r["category"], r["platform"], r["brand"]): int(r["requests"])
            for r in ch.query("SELECT day, category, platform, brand, requests FROM service_requests_daily")
        },
        "latest": ch.query("SELECT count() AS n, uniqExact(event_id) AS u FROM mentions_latest")[0],
    }


def expected(inserted: list[Row]) -> dict[str, object]:
    n = len(latest(inserted))
    return {
        "hour": expected_rollup(inserted),
        "minute": expected_rollup(inserted, minute=True),
        "sov": expected_share_of_voice(inserted),
        "buyers": expected_buyers(inserted),
        "requests": expected_service_requests(inserted),
        "latest": {"n": n, "u": n},
    }


def insert_in_batches(ch: ClickHouse, rows: list[Row], rnd: random.Random) -> None:
    rows = rows[:]
    rnd.shuffle(rows)
    while rows:
        size = rnd.randint(1, 25)
        ch.insert("mentions", MENTION_COLUMNS, tuples(rows[:size]))
        rows = rows[size:]


def test_views_match_the_rows(ch: ClickHouse) -> None:
    rows = sample_mentions(seed=1)
    insert_in_batches(ch, rows, random.Random(1))
    assert views(ch) == expected(rows)
    shares = ch.query("SELECT day, sum(share) AS total FROM share_of_voice_daily GROUP BY day")
    assert len(shares) == 2 and all(r["total"] == pytest.approx(1.0) for r in shares)  # two UTC days


def test_replays_do_not_change_any_count(ch: ClickHouse) -> None:
    rows = sample_mentions(seed=2)
    rnd = random.Random(2)
    inserted: list[Row] = []
    for version in (1, 2, 3):  # the same events three times, in other batches, as replays after crashes do
        again = [dict(r, version=version, ingested_at=r["ingested_at"]) for r in rows]
        insert_in_batches(ch, again, rnd)
        inserted += again
    assert ch.query("SELECT count() AS n FROM mentions")[0]["n"] in range(len(rows), 3 * len(rows) + 1)
    assert views(ch) == expected(rows)
    ch.execute("OPTIMIZE TABLE hour_sets FINAL")  # and after merges, too
    ch.execute("OPTIMIZE TABLE mentions FINAL")
    assert views(ch) == expected(rows)


def test_a_new_version_replaces_the_row_but_rollups_keep_every_version_seen(ch: ClickHouse) -> None:
    first = [
        mention("weibo:1", brands=["蒙牛"], signals=["service_request"], service_category="quality"),
        mention("weibo:2", brands=["伊利"], signals=["buyer"]),
    ]
    ch.insert("mentions", MENTION_COLUMNS, tuples(first))
    second = [  # re-enriched: weibo:1 is no longer a request and now names 光明
        mention("weibo:1", brands=["光明"], signals=["positive"], version=2, sentiment="positive"),
    ]
    ch.insert("mentions", MENTION_COLUMNS, tuples(second))
    stale = [mention("weibo:2", brands=["伊利"], signals=["buyer"], version=0, sentiment="negative")]
    ch.insert("mentions", MENTION_COLUMNS, tuples(stale))  # an older version arriving late loses
    inserted = first + second + stale
    got = views(ch)
    assert got == expected(inserted)
    # Like the rollups, the daily requests count every version seen: weibo:1 stays a request of its day.
    assert got["requests"] == {(first[0]["created_at"].date(), "quality", "weibo", "蒙牛"): 1}
    assert ch.query("SELECT event_id, brands, sentiment FROM mentions_latest ORDER BY event_id") == [
        {"event_id": "weibo:1", "brands": ["光明"], "sentiment": "positive"},
        {"event_id": "weibo:2", "brands": ["伊利"], "sentiment": "neutral"},
    ]
    hour = got["hour"]
    assert isinstance(hour, dict)
    # The documented cost of exact-under-replay sets: membership is never withdrawn.
    assert {(b, s) for (_, _, b, s) in hour if s in ("mention", "service_request")} >= {
        ("蒙牛", "mention"), ("光明", "mention"), ("蒙牛", "service_request")
    }  # fmt: skip
