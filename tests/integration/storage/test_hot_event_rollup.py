"""The hot-event rollups (migrations 020, 022) give the exact figures, for mentions stored before them too, replayed.

Exact: hot_events and hot_events_hourly as 010 defined them, aggregating mentions FINAL (the earliest
post's ties broken by id, as 020 does).
"""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.monitor.event_index import EventIndex
from pipeline.monitor.event_queries import IN_EVENT, ONE_EVENT, hot_event
from pipeline.monitor.events import assign_events
from pipeline.storage import ClickHouse, connect
from pipeline.storage.migrate import load_migrations, migrate
from pipeline.storage.tables import MENTION_COLUMNS, mention_rows
from tests.integration.influence.conftest import demo_items

pytestmark = pytest.mark.integration

EXACT_EVENTS = ONE_EVENT.replace(IN_EVENT, "hot_event != ''").replace("%(n)s", "1")  # the API's one event, for all
EXACT_HOURLY = ("SELECT hot_event AS event_id, toStartOfHour(created_at) AS hour, count() AS posts FROM mentions FINAL "
                "WHERE hot_event != '' GROUP BY hot_event, hour")


def _rows(ch: ClickHouse, sql: str, key: str, columns: str = "*") -> list[dict[str, Any]]:
    return ch.query(f"SELECT {columns} FROM ({sql}) ORDER BY {key}")


def _view_columns(ch: ClickHouse, view: str) -> str:
    return ", ".join(r["name"] for r in ch.query(
        "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = %(t)s", {"t": view}))


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
        exact = _rows(ch, EXACT_EVENTS, "event_id", _view_columns(ch, "hot_events"))
        assert len(exact) > 10 and any(r["posts"] > 2 for r in exact)
        assert _rows(ch, "SELECT * FROM hot_events", "event_id") == exact
        hourly = _rows(ch, EXACT_HOURLY, "event_id, hour")
        assert _rows(ch, "SELECT * FROM hot_events_hourly", "event_id, hour") == hourly
        assert ch.query("SELECT count() AS n FROM hot_event_rollup")[0]["n"] == retired  # 020's view is gone
        _one_event_matches_its_separate_reads(ch, [r["event_id"] for r in sorted(exact, key=lambda r: -r["posts"])[:5]])
        assert migrate(ch) == []
    finally:
        ch.close()


ORACLE_TIMELINE = ("SELECT toStartOfHour(created_at) AS hour, count() AS posts FROM mentions FINAL "
                   f"WHERE {IN_EVENT} GROUP BY hour ORDER BY hour")
ORACLE_MEMBERS = ("SELECT event_id AS mention_id, hot_event_how AS how, hot_event_distance AS distance, platform, "
                  "kind, author_id, author_name, created_at, substringUTF8(text, 1, 200) AS text FROM mentions FINAL "
                  f"WHERE {IN_EVENT} ORDER BY created_at, event_id LIMIT %(n)s")


def _one_event_matches_its_separate_reads(ch: ClickHouse, events: list[str]) -> None:
    """One event's hours and first members, from its one read, are those of a query each (the earlier form)."""
    for event_id in events:
        for n in (1, 3, 100):
            got = hot_event(ch, event_id, members=n)
            assert got is not None
            params = {"e": event_id, "n": n}
            assert got["timeline"] == ch.query(ORACLE_TIMELINE, params)
            assert got["members"] == ch.query(ORACLE_MEMBERS, params)
            assert len(got["members"]) == min(n, got["posts"])
