"""Rows for the storage tests and the answers expected from them, computed in Python.

The expectations follow the documented semantics (docs/storage.md) from the rows alone, so a
test compares ClickHouse with an independent computation instead of hard-coded numbers.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pipeline.storage.tables import DEADLETTER_COLUMNS, MENTION_COLUMNS

T0 = datetime(2024, 5, 1, 22, 30, 15, tzinfo=UTC)  # late evening: some events fall on the next UTC day
BRANDS = ["蒙牛", "伊利", "光明", "君乐宝"]
OWN = "蒙牛"
SIGNALS = ["buyer", "service_request", "purchase_intent", "positive", "negative", "kol"]
PLATFORMS = ["weibo", "wechat", "xiaohongshu"]
CATEGORIES = ["quality", "delivery", "refund"]

Row = dict[str, Any]


def mention(event_id: str, **values: Any) -> Row:
    """A full ``mentions`` row with sensible defaults; ``values`` override columns."""
    brands = list(values.pop("brands", []))
    signals = list(values.pop("signals", []))
    row: Row = {
        "event_id": event_id, "platform": "weibo", "kind": "post", "thread_id": event_id, "root_id": "",
        "parent_id": "", "author_id": "u1", "author_name": "小王", "author_verified": 0,
        "author_verified_type": "none", "author_followers": 10, "author_following": 1, "author_posts": 5,
        "created_at": T0, "ingested_at": T0, "title": "", "text": "特仑苏真好喝", "own_text": "特仑苏真好喝",
        "urls": [], "campaign": "", "reposts": 0, "comments": 0, "likes": 0, "reads": None,
        "tokens": ["特仑苏", "真", "好喝"], "keywords": ["特仑苏"], "mentions": [], "hashtags": [], "emoticons": [],
        "repost_chain": [], "repost_depth": 0, "brands": brands,
        "competitors": [b for b in brands if b != OWN], "own_brand": int(OWN in brands),
        "buyer": int("buyer" in signals), "service_request": int("service_request" in signals),
        "service_category": "quality" if "service_request" in signals else "", "priority": "",
        "purchase_intent": int("purchase_intent" in signals), "sentiment": "neutral", "sentiment_score": 0.5,
        "evidence": "{}", "signals": signals, "version": 1,
        "author_created": datetime(1970, 1, 1), "text_hash": 0,  # naive = UTC, as stored
        "hot_event": "", "hot_event_how": "", "hot_event_distance": 0, "simhash": 0, "group_id": "",
    }  # fmt: skip
    unknown = set(values) - set(row)
    assert not unknown, f"not mention columns: {unknown}"
    row.update(values)
    return row


def dead_letter(raw: bytes, reason: str, **values: Any) -> Row:
    """A ``dead_letters`` row for the raw bytes ``raw``."""
    import base64
    import hashlib

    row: Row = {
        "dl_id": hashlib.sha256(raw).hexdigest()[:32], "source_topic": "social.posts", "partition": 0, "offset": 0,
        "stage": "decode", "reason": reason, "error": f"{reason}: bad input", "raw_b64": base64.b64encode(raw).decode(),
        "raw_preview": raw[:80].decode("utf-8", "replace"), "received_at": T0, "version": 1,
        "raw_size": len(raw), "raw_truncated": 0,
    }  # fmt: skip
    row.update(values)
    return row


def tuples(rows: Iterable[Row], columns: Sequence[str] = MENTION_COLUMNS) -> list[tuple[Any, ...]]:
    """Rows as tuples in column order, as ``ClickHouse.insert`` takes them."""
    return [tuple(row[c] for c in columns) for row in rows]


def dead_tuples(rows: Iterable[Row]) -> list[tuple[Any, ...]]:
    """Dead-letter rows as tuples."""
    return tuples(rows, DEADLETTER_COLUMNS)


def sample_mentions(seed: int, n: int = 60) -> list[Row]:
    """``n`` varied events over two UTC days, several hours, minutes, platforms, brands and signals."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        brands = rnd.sample(BRANDS, rnd.choice([0, 1, 1, 2, 3]))
        if brands and rnd.random() < 0.1:
            brands.append(brands[0])  # a brand named twice still counts once
        signals = rnd.sample(SIGNALS, rnd.choice([0, 1, 2, 3]))
        platform = rnd.choice(PLATFORMS)
        created = T0 + timedelta(minutes=rnd.randrange(0, 6 * 60), seconds=rnd.randrange(60))
        row = mention(
            f"{platform}:{seed}_{i}", platform=platform, brands=brands, signals=signals, created_at=created,
            sentiment=rnd.choice(["positive", "negative", "neutral"]), sentiment_score=rnd.random(),
            service_category=rnd.choice(CATEGORIES) if "service_request" in signals else "",
            reads=rnd.choice([None, rnd.randrange(10**6)]),
        )  # fmt: skip
        rows.append(row)
    return rows


def latest(rows: Iterable[Row]) -> list[Row]:
    """The highest version of each event (what FINAL shows)."""
    best: dict[str, Row] = {}
    for row in rows:
        if row["event_id"] not in best or row["version"] >= best[row["event_id"]]["version"]:
            best[row["event_id"]] = row
    return list(best.values())


def _hour(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)


def _minute(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(second=0, microsecond=0, tzinfo=None)


def _day(t: datetime) -> date:
    return t.astimezone(UTC).date()


def expected_rollup(rows: Iterable[Row], minute: bool = False) -> dict[tuple[Any, ...], int]:
    """(bucket, platform, brand, signal) -> unique events, over every version ever inserted."""
    trunc: Callable[[datetime], datetime] = _minute if minute else _hour
    sets: dict[tuple[Any, ...], set[str]] = defaultdict(set)
    for row in rows:
        for brand in set(row["brands"]) or {""}:
            for signal in {"mention", *row["signals"]}:
                sets[(trunc(row["created_at"]), row["platform"], brand, signal)].add(row["event_id"])
    return {k: len(v) for k, v in sets.items()}


def expected_share_of_voice(rows: Iterable[Row]) -> dict[tuple[date, str], tuple[int, float]]:
    """(day, brand) -> (unique events naming the brand, share of that day's brand mentions)."""
    sets: dict[tuple[date, str], set[str]] = defaultdict(set)
    for row in rows:
        for brand in set(row["brands"]):
            sets[(_day(row["created_at"]), brand)].add(row["event_id"])
    totals: dict[date, int] = defaultdict(int)
    for (day, _), ids in sets.items():
        totals[day] += len(ids)
    return {(day, brand): (len(ids), len(ids) / totals[day]) for (day, brand), ids in sets.items()}


def expected_buyers(rows: Iterable[Row]) -> dict[tuple[date, str, str], int]:
    """(day, brand or '', platform) -> unique events with the buyer signal."""
    sets: dict[tuple[date, str, str], set[str]] = defaultdict(set)
    for row in rows:
        if "buyer" in row["signals"]:
            for brand in set(row["brands"]) or {""}:
                sets[(_day(row["created_at"]), brand, row["platform"])].add(row["event_id"])
    return {k: len(v) for k, v in sets.items()}


def expected_service_requests(rows: Iterable[Row]) -> dict[tuple[date, str, str, str], int]:
    """(day, category, platform, brand or '') -> unique service requests, over every version ever inserted."""
    sets: dict[tuple[date, str, str, str], set[str]] = defaultdict(set)
    for row in rows:
        if row["service_request"]:
            for brand in set(row["brands"]) or {""}:
                key = (_day(row["created_at"]), row["service_category"], row["platform"], brand)
                sets[key].add(row["event_id"])
    return {k: len(v) for k, v in sets.items()}


def expected_stats(mentions: Iterable[Row], dead: Iterable[Row]) -> dict[str, Any]:
    """What ``stats()`` must return for these rows (latest versions, unique ids)."""
    current = latest(mentions)
    dead_latest: dict[str, Row] = {}
    for row in dead:
        if row["dl_id"] not in dead_latest or row["version"] >= dead_latest[row["dl_id"]]["version"]:
            dead_latest[row["dl_id"]] = row

    def count_by(values: Iterable[str]) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for v in values:
            out[v] += 1
        return dict(out)

    return {
        "mentions": len(current),
        "buyers": sum(r["buyer"] for r in current),
        "service_requests": sum(r["service_request"] for r in current),
        "purchase_intent": sum(r["purchase_intent"] for r in current),
        "competitor_mentions": sum(1 for r in current if r["competitors"]),
        "brand_mentions": sum(1 for r in current if r["brands"]),
        "dead_lettered": len(dead_latest),
        "by_platform": count_by(r["platform"] for r in current),
        "brands": count_by(b for r in current for b in set(r["brands"])),
        "competitors_by_brand": count_by(c for r in current for c in set(r["competitors"])),
        "service_categories": count_by(r["service_category"] for r in current if r["service_request"]),
        "sentiment": count_by(r["sentiment"] for r in current),
        "dead_letters_by_reason": count_by(r["reason"] for r in dead_latest.values()),
    }
