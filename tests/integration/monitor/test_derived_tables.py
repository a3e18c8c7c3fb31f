"""audience_events and cascade_nodes come from the mentions insert (views of migration 006) on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from pipeline.bench.monitor import enrich, store
from pipeline.config import Settings
from pipeline.monitor.cascade_store import NODE_FIELDS, CascadeTracker, node_of
from pipeline.records import Enriched
from pipeline.sample import generate_events
from pipeline.storage import ClickHouse
from pipeline.text import get_analyzer
from pipeline.text.fingerprint import text_hash
from tests.integration.monitor.streams import event

pytestmark = pytest.mark.integration
DAY = datetime(2024, 6, 3, 10, 0, tzinfo=UTC)


def _profiled(text: str, when: datetime, *, account_days: float | None, followers: int, posts: int,
              kind: str = "post", root: str | None = None) -> bytes:
    ev = event(text, when, kind=kind, root=root, followers=followers, posts=posts)
    if account_days is not None:
        ev["author"]["created_at"] = (when - timedelta(days=account_days)).isoformat()
    return orjson.dumps(ev)


def _items() -> list[Enriched]:
    analyzer = get_analyzer(Settings().resolved_lexicon)
    lines = list(generate_events(600, seed=11, invalid_rate=0.0))
    root = event("蒙牛新品发布，转发抽奖送一箱特仑苏", DAY)
    rid = str(root["id"])
    lines += [
        orjson.dumps(root),
        # a young account (10 days, 20 followers), an old bot-like one, an old ordinary one, one with no age
        _profiled("一模一样的水军文案来了大家快转", DAY + timedelta(minutes=1), account_days=10, followers=20,
                  posts=5, kind="repost", root=rid),
        _profiled("一模一样的水军文案来了大家快转", DAY + timedelta(minutes=2), account_days=900, followers=3,
                  posts=5000, kind="repost", root=rid),
        _profiled("转发微博", DAY + timedelta(minutes=3), account_days=900, followers=20, posts=5, kind="repost",
                  root=rid),
        _profiled("支持一下", DAY + timedelta(minutes=4), account_days=None, followers=20, posts=5, kind="repost",
                  root=rid),
    ]
    return enrich(lines, analyzer)


def test_one_mentions_insert_fills_cascade_nodes_as_the_python_twin_says(ch: ClickHouse) -> None:
    items = _items()
    tracker = CascadeTracker(ch)
    store(ch, items[:300], tracker)
    store(ch, items[300:], tracker)
    store(ch, items[-3:], tracker)  # a replay changes nothing

    stored = {r["event_id"]: r for r in ch.query(f"SELECT {', '.join(NODE_FIELDS)} FROM cascade_nodes FINAL")}
    expected = {n["event_id"]: n for n in map(node_of, items) if n is not None}
    kinds = {i.event.id: i.event.kind.value for i in items}
    assert "comment" in kinds.values() and "repost" in kinds.values()
    assert set(stored) == set(expected)
    assert all(kinds[e] != "comment" for e in stored)  # comments are not cascade nodes
    assert stored == expected  # every column, as node_of computes it
    young, bot, old, unknown = (stored[i.event.id] for i in items[-4:])
    assert (young["suspect_account"], bot["suspect_account"], old["suspect_account"], unknown["suspect_account"]) \
        == (1, 1, 0, 0)
    assert young["text_hash"] == bot["text_hash"] != 0 and old["text_hash"] == 0  # 转发微博 is too short
    assert ch.query("SELECT count() AS n FROM cascades FINAL WHERE root_id = %(r)s", {"r": young["root_id"]}) \
        == [{"n": 1}]


def test_one_mentions_insert_fills_audience_events(ch: ClickHouse) -> None:
    items = _items()
    store(ch, items)
    store(ch, items[:50])  # a replay changes nothing
    rows = {r["event_id"]: r for r in ch.query("SELECT * FROM audience_events FINAL")}
    assert set(rows) == {i.event.id for i in items}  # one observation per event, comments included
    for item in items:
        row, author = rows[item.event.id], item.event.author
        created = author.created_at.replace(microsecond=0) if author.created_at else datetime(1970, 1, 1, tzinfo=UTC)
        assert row["account_created"].tzinfo is None  # both backends give naive UTC
        assert (row["platform"], row["author_id"], row["author_name"], row["verified_type"]) == (
            item.event.platform.value, author.id, author.name, author.verified_type.value)
        assert (row["followers"], row["posts"], list(row["brands"])) == (author.followers, author.posts,
                                                                         item.analysis.brands)
        assert (row["buyer"], row["purchase_intent"]) == (int(item.analysis.buyer),
                                                          int(item.analysis.purchase_intent))
        assert row["text_hash"] == text_hash(item.analysis.own_text) == item.analysis.text_hash
        assert row["account_created"].replace(tzinfo=UTC) == created
