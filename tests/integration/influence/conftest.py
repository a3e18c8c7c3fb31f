"""The demo stream in a database per backend (chDB and clickhouse-server 18.16), stored as the worker stores it.

Mentions with their hot-event assignments (as the worker's event preparer sets them); :func:`store_demo`
stores the same events again, as a replay after a restarted worker does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache

import orjson
import pytest

from pipeline.bench.monitor import enrich
from pipeline.config import Settings
from pipeline.monitor import audience_snapshot
from pipeline.monitor.event_index import EventIndex
from pipeline.monitor.events import assign_events
from pipeline.records import Enriched
from pipeline.sample import DEMO_STREAM_PATH
from pipeline.storage import ClickHouse, connect
from pipeline.storage.migrate import migrate
from pipeline.storage.tables import MENTION_COLUMNS, mention_rows
from pipeline.text import get_analyzer
from tests.fixtures.clickhouse import fresh_database

GROUP_TEXTS = ["群里有人问蒙牛纯牛奶哪里买最便宜", "蒙牛的快递到了，箱子压坏了，找谁退货",
               "团购了蒙牛特仑苏，已经收到了"]


def _group_events() -> list[bytes]:
    """QQ group chat about a brand: the demo stream has no group_id."""
    start = datetime(2024, 6, 17, 9, tzinfo=UTC)
    return [orjson.dumps({"id": f"qq:g{i}", "platform": "qq", "kind": "post", "group_id": f"qq-group-{i % 2}",
                          "author": {"id": f"g{i}", "followers": 10 + i, "posts": 5}, "text": text,
                          "created_at": (start + timedelta(minutes=i)).isoformat()})
            for i, text in enumerate(GROUP_TEXTS * 2)]


@cache
def demo_items() -> list[Enriched]:
    """The demo stream's valid events and a few group messages, analysed (once per session)."""
    lines = [*DEMO_STREAM_PATH.read_bytes().splitlines(), *_group_events()]
    return enrich(lines, get_analyzer(Settings().resolved_lexicon))


def store_demo(ch: ClickHouse) -> None:
    """Store the demo events as a freshly started worker does (a new event index, new row versions)."""
    items = demo_items()
    assign_events(EventIndex(), items)
    ch.insert("mentions", MENTION_COLUMNS, mention_rows(items))


@pytest.fixture(scope="package", params=["chdb", "server"])
def demo_ch(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouse]:
    """The demo data stored once in a fresh database on each backend."""
    with fresh_database(request, lambda: tmp_path_factory.mktemp("influence")) as url:
        ch = connect(url)
        try:
            migrate(ch)
            store_demo(ch)
            audience_snapshot.refresh(ch)  # the roles views read it, as the leader worker refreshes it
            yield ch
        finally:
            ch.close()
