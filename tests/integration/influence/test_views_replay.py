"""Every view of issue 25 is exact under replay: the same events stored three times change no figure."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.monitor import audience_snapshot
from pipeline.storage import ClickHouse
from tests.integration.influence.conftest import demo_items, store_demo

pytestmark = pytest.mark.integration

VIEWS = {
    "hot_events": "event_id",
    "hot_events_hourly": "event_id, hour",
    "post_performance": "event_id",
    "account_index_daily": "platform, author_id, day",
    "term_daily": "day, brand, term",
    "platform_roles": "brand, platform",
    "group_roles": "brand, platform, group_id",
}
"""New views and the columns that identify a row."""


def _snapshot(ch: ClickHouse) -> dict[str, list[dict[str, Any]]]:
    audience_snapshot.refresh(ch)  # the roles views read the latest refresh: every column but its time
    out = {}
    for view, key in VIEWS.items():
        names = [r["name"] for r in ch.query(f"DESCRIBE TABLE {view}") if r["name"] != "refreshed_at"]
        out[view] = ch.query(f"SELECT {', '.join(names)} FROM {view} ORDER BY {key}")
    return out


def test_views_are_exact_after_three_inserts(demo_ch: ClickHouse) -> None:
    once = _snapshot(demo_ch)
    store_demo(demo_ch)
    store_demo(demo_ch)
    assert demo_ch.query("SELECT count() AS n FROM mentions")[0]["n"] >= 2 * len(demo_items())  # really stored again
    again = _snapshot(demo_ch)
    for view in VIEWS:
        assert again[view] == once[view], view
    assert all(once.values())


def test_hot_events_group_copies_and_reposts(demo_ch: ClickHouse) -> None:
    items = demo_items()
    events = {r["event_id"]: r for r in demo_ch.query("SELECT * FROM hot_events")}
    members = sum(1 for i in items if i.event.kind.value != "comment")
    assert sum(r["posts"] for r in events.values()) == members  # every post and repost in exactly one event
    roots = {i.event.root_id for i in items if i.event.kind.value == "repost"}
    biggest = max(events.values(), key=lambda r: r["posts"])
    assert biggest["event_id"] in roots and biggest["reposts"] >= 100
    copied = [r for r in events.values() if r["copies"] > 0]
    assert copied and all(r["posts"] >= 2 and 0.0 <= r["low_quality_share"] <= 1.0 for r in copied)
    hourly = demo_ch.query("SELECT sum(posts) AS n FROM hot_events_hourly")[0]["n"]
    assert hourly == members
