"""The hot-event rollups (migrations 020, 022) give the exact figures, for mentions stored before them too, replayed.

Exact: hot_events and hot_events_hourly as 010 defined them, aggregating mentions FINAL (the earliest
post's ties broken by id, as 020 does).
"""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.monitor.event_index import EventIndex
from pipeline.monitor.event_queries import IN_EVENT, ONE_EVENT
from pipeline.monitor.events import assign_events
from pipeline.storage import ClickHouse, connect
from pipeline.storage.migrate import load_migrations, migrate
from pipeline.storage.tables import MENTION_COLUMNS, mention_rows
from tests.integration.influence.conftest import demo_items

pytestmark = pytest.mark.integration

EXACT_EVENTS = ONE_EVENT.replace(IN_EVENT, "hot_event != ''")  # the API's one event, for every event
EXACT_HOURLY = ("SELECT hot_event AS event_id, toStartOfHour(created_at) AS hour, count() AS posts FROM mentions FINAL "
                "WHERE hot_event != '' GROUP BY hot_event, hour")


def _rows(ch: ClickHouse, sql: str, key: str) -> list[dict[str, Any]]:
    return ch.query(f"SELECT * FROM ({sql}) ORDER BY {key}")


@pytest.mark.parametrize("stored_before", ["020", "022"])
def test_hot_event_rollups_equal_the_exact_views_with_backfill_and_replays(clickhouse_url: str,
                                                                           stored_before: str) -> None:
    # half of the mentions stored before the rollups (020's backfill), or into 020's table (022's move)
    items = demo_items()
    half = len(items) // 2
    ch = connect(clickhouse_url)
    try:
        migrate(ch, [m for m in load_migrations() if m.version < stored_before])
        index = EventIndex()  # the worker's assignment, before each batch is stored
        assign_events(index, items[:half])
        ch.insert("mentions", MENTION_COLUMNS, mention_rows(items[:half]))
        migrate(ch)
        retired = ch.query("SELECT count() AS n FROM hot_event_rollup")[0]["n"]
        assert retired > 0  # 020's table: filled by its backfill or by its view, then copied by 022
        assign_events(index, items[half:])
        for batch in (items[half:], items[:half], items[half:]):  # replays of stored batches change nothing
            ch.insert("mentions", MENTION_COLUMNS, mention_rows(batch))
        exact = _rows(ch, EXACT_EVENTS, "event_id")
        assert len(exact) > 10 and any(r["posts"] > 2 for r in exact)
        assert _rows(ch, "SELECT * FROM hot_events", "event_id") == exact
        hourly = _rows(ch, EXACT_HOURLY, "event_id, hour")
        assert _rows(ch, "SELECT * FROM hot_events_hourly", "event_id, hour") == hourly
        assert ch.query("SELECT count() AS n FROM hot_event_rollup")[0]["n"] == retired  # 020's view is gone
        assert migrate(ch) == []
    finally:
        ch.close()
