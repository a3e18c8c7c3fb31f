"""The storage interface, migrations, rollups and views on chDB and on clickhouse-server 18.16."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.errors import StorageError, StorageUnavailable
from pipeline.storage import ClickHouse, connect
from pipeline.storage.migrate import load_migrations, migrate
from pipeline.storage.stats import stats
from pipeline.storage.tables import DEADLETTER_COLUMNS, MENTION_COLUMNS

pytestmark = pytest.mark.integration

T0 = datetime(2024, 5, 1, 8, 30, 15, tzinfo=UTC)
HOSTILE = ["'; DROP TABLE mentions; --", "back\\slash", "quote'\"", "%(x)s", "换行\n制表\t", "\u0000nul"]


def mention(event_id: str, *, brands: list[str] = (), signals: list[str] = (), version: int = 1,
            created_at: datetime = T0, platform: str = "weibo", **extra: object) -> tuple[object, ...]:
    row: dict[str, object] = {c: "" for c in MENTION_COLUMNS}
    row.update({
        "event_id": event_id, "platform": platform, "kind": "post", "created_at": created_at, "ingested_at": T0,
        "author_verified": 0, "author_followers": 10, "author_following": 1, "author_posts": 5,
        "urls": [], "reposts": 0, "comments": 0, "likes": 0, "reads": None, "tokens": ["中文"], "keywords": [],
        "mentions": [], "hashtags": [], "emoticons": [], "repost_chain": [], "repost_depth": 0,
        "brands": list(brands), "competitors": [b for b in brands if b != "蒙牛"], "own_brand": int("蒙牛" in brands),
        "buyer": int("buyer" in signals), "service_request": int("service_request" in signals),
        "purchase_intent": int("purchase_intent" in signals), "sentiment": "neutral", "sentiment_score": 0.0,
        "evidence": "{}", "signals": list(signals), "version": version,
    })
    row.update(extra)
    return tuple(row[c] for c in MENTION_COLUMNS)


def test_columns_match_the_ddl(ch: ClickHouse) -> None:
    assert tuple(r["name"] for r in ch.query("DESCRIBE TABLE mentions")) == MENTION_COLUMNS
    assert tuple(r["name"] for r in ch.query("DESCRIBE TABLE dead_letters")) == DEADLETTER_COLUMNS


def test_values_round_trip_including_chinese_arrays_nullable_and_time(ch: ClickHouse) -> None:
    ch.insert("mentions", MENTION_COLUMNS, [mention("weibo:1", brands=["蒙牛", "伊利"], text="特仑苏真好喝", reads=42)])
    row = ch.query("SELECT text, brands, reads, created_at, toUnixTimestamp(created_at) AS ts FROM mentions")[0]
    assert row["text"] == "特仑苏真好喝"
    assert row["brands"] == ["蒙牛", "伊利"]
    assert row["reads"] == 42
    assert row["ts"] == int(T0.timestamp())
    assert row["created_at"] == T0.replace(tzinfo=None)


@pytest.mark.parametrize("text", HOSTILE)
def test_parameters_are_escaped(ch: ClickHouse, text: str) -> None:
    ch.insert("mentions", MENTION_COLUMNS, [mention("weibo:x", text=text)])
    rows = ch.query("SELECT event_id FROM mentions WHERE text = %(t)s", {"t": text})
    assert [r["event_id"] for r in rows] == ["weibo:x"]
    assert ch.query("SELECT count() AS n FROM mentions WHERE text = %(t)s", {"t": text + "'"})[0]["n"] == 0


def test_bad_identifiers_and_parameters_are_refused(ch: ClickHouse) -> None:
    with pytest.raises(StorageError, match="invalid identifier"):
        ch.insert("mentions; DROP TABLE x", ["a"], [(1,)])
    with pytest.raises(StorageError, match="cannot pass"):
        ch.query("SELECT %(x)s", {"x": object()})
    with pytest.raises(StorageError, match="refused"):
        ch.query("SELECT * FROM no_such_table")


def test_migrations_are_idempotent_and_refuse_drift(ch: ClickHouse) -> None:
    assert migrate(ch) == []
    versions = [r["version"] for r in ch.query("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [m.version for m in load_migrations()]
    ch.insert("schema_migrations", ["version", "name", "checksum", "applied_at"], [("001", "m", "edited", T0)])
    with pytest.raises(StorageError, match="changed after it was applied"):
        migrate(ch)


def test_rollups_and_stats_exact_under_duplicates_and_new_versions(ch: ClickHouse) -> None:
    rows = [
        mention("weibo:1", brands=["蒙牛"], signals=["buyer", "positive"]),
        mention("weibo:2", brands=["蒙牛", "伊利"], signals=["service_request", "negative"]),
        mention("weibo:3", signals=["purchase_intent"], created_at=T0 + timedelta(hours=1)),
        mention("qq:4", brands=["伊利"], signals=["buyer"], platform="qq"),
    ]
    for version in (1, 2, 3):  # the same events inserted three times, as replays do
        ch.insert("mentions", MENTION_COLUMNS, [r[:-1] + (version,) for r in rows])
    totals = stats(ch)
    assert totals["mentions"] == 4
    assert totals["buyers"] == 2
    assert totals["service_requests"] == 1
    assert totals["competitor_mentions"] == 2
    assert totals["by_platform"] == {"weibo": 3, "qq": 1}
    assert totals["competitors_by_brand"] == {"伊利": 2}
    hour = {(r["brand"], r["signal"], r["platform"]): r["events"] for r in ch.query("SELECT * FROM rollup_hour")}
    assert hour[("蒙牛", "mention", "weibo")] == 2
    assert hour[("伊利", "mention", "weibo")] == 1
    assert hour[("", "mention", "weibo")] == 1
    assert hour[("蒙牛", "buyer", "weibo")] == 1
    assert sum(v for (b, s, p), v in hour.items() if s == "mention") == 5  # weibo:2 counts for both brands
    minute = ch.query("SELECT sum(events) AS n FROM rollup_minute WHERE signal = 'buyer'")
    assert minute[0]["n"] == 2
    sov = {r["brand"]: (r["mentions"], round(r["share"], 3)) for r in ch.query("SELECT * FROM share_of_voice_daily")}
    assert sov == {"蒙牛": (2, 0.5), "伊利": (2, 0.5)}
    buyers = {(r["brand"], r["platform"]): r["buyers"] for r in ch.query("SELECT * FROM buyers_by_brand_daily")}
    assert buyers == {("蒙牛", "weibo"): 1, ("伊利", "qq"): 1}
    requests = ch.query("SELECT brand, requests FROM service_requests_daily ORDER BY brand")
    assert [(r["brand"], r["requests"]) for r in requests] == [("伊利", 1), ("蒙牛", 1)]
    assert ch.query("SELECT count() AS n FROM mentions_latest")[0]["n"] == 4


def test_server_outage_is_transient_and_reconnects(clickhouse_server) -> None:  # type: ignore[no-untyped-def]
    ch = connect(clickhouse_server.url("outage_probe"))
    try:
        ch.ping()
        clickhouse_server.stop()
        with pytest.raises(StorageUnavailable):
            ch.ping()
        clickhouse_server.start()
        ch.ping()  # the same object reconnects by itself
    finally:
        clickhouse_server.start()
        ch.close()
