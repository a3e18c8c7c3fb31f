"""Every ClickHouse query of the Grafana dashboards runs on chDB and on clickhouse-server 18.16, with data."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from tests.integration.deploy.dashboards import clickhouse_queries, expand, fill, utc_now, window
from tests.integration.tracking.funnel_data import CAMPAIGN

pytestmark = pytest.mark.integration


def test_dashboard_queries_run_and_show_data(ch) -> None:  # type: ignore[no-untyped-def]
    now = utc_now()
    fill(ch, now)
    since, until = window(now)
    queries = list(clickhouse_queries())
    assert {q.dashboard for q in queries} == {"sociallisten.json", "desk.json"}
    brands = [r["brand"] for r in ch.query("SELECT DISTINCT brand FROM share_of_voice_daily ORDER BY brand")]
    assert "蒙牛" in brands
    empty: Counter[str] = Counter()
    for q in queries:
        try:
            rows = ch.query(expand(q.sql, since, until, brands))
        except Exception as exc:  # noqa: BLE001 - name the panel that broke
            raise AssertionError(f"{q.dashboard} / {q.title}: {exc}") from exc
        if not rows:
            empty[q.dashboard] += 1
        if q.title.startswith("Campaign funnel"):  # every stage of the funnel has data
            [row] = rows
            assert row["campaign"] == CAMPAIGN and all(row[k] > 0 for k in ("clicks", "visitors", "orders")), row
    per_dashboard = Counter(q.dashboard for q in queries)
    # the filled database has mentions, cascades, alerts and cases in several states: one panel per
    # dashboard may need rarer data (e.g. an amplified cascade) and come back empty
    for name, total in per_dashboard.items():
        assert empty[name] <= 1, f"{name}: {empty[name]} of {total} queries returned no rows"
    _top_posts_panel_matches_its_view(ch, queries, now)
    _minute_panel_reads_minutes_or_hours(ch, queries, brands, now)


def _top_posts_panel_matches_its_view(ch, queries, now) -> None:  # type: ignore[no-untyped-def]
    """Every row of the "Top posts" panel, without its LIMIT, is the view's, also for a range starting mid-day.

    The panel reads post_engagement FINAL with the range inside: 18.16 takes no filter into the view's FINAL.
    """
    [panel] = [q for q in queries if q.title == "Top posts by engagement index"]
    view = ("SELECT event_id, platform, author_name, post_index, reads, reposts, comments, likes, "
            "round(reach_rate, 4) AS reach_rate FROM post_performance WHERE $__timeFilter(created_at) "
            "ORDER BY post_index DESC, event_id LIMIT 20")
    until = now + timedelta(minutes=1)
    for since in (now - timedelta(hours=30), now - timedelta(days=7)):
        got = ch.query(expand(panel.sql.replace(" LIMIT 20", ""), since, until, []))
        want = ch.query(expand(view.replace(" LIMIT 20", ""), since, until, []))
        assert got == want and len(got) > 20


def _minute_panel_reads_minutes_or_hours(ch, queries, brands, now) -> None:  # type: ignore[no-untyped-def]
    """Up to 2 days the panel shows every minute's mentions; beyond, each hour's mean per minute."""
    [panel] = [q for q in queries if q.title == "Mentions per minute by brand"]
    until = now + timedelta(minutes=1)
    rollup = ("SELECT bucket AS time, brand, sum(events) AS n FROM {table} WHERE $__timeFilter(bucket) "
              "AND signal = 'mention' AND brand != '' GROUP BY time, brand ORDER BY time, brand")
    for days, table, per in ((1, "rollup_minute", 1), (7, "rollup_hour", 60)):
        since = now - timedelta(days=days)
        got = sorted((r["time"], r["brand"], r["mentions"]) for r in ch.query(expand(panel.sql, since, until, brands)))
        want = sorted((r["time"], r["brand"], r["n"] / per)
                      for r in ch.query(expand(rollup.format(table=table), since, until, [])))
        assert got == want and len(got) > 10, (table, got[:5], want[:5])
