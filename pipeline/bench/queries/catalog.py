"""What ``bench --queries`` times: every Grafana panel query, every BI view and every API read.

Panels are the dashboards' own SQL with a 30-day time filter and every brand selected; views are read
as a BI tool reads them (the latest 1,000 rows of the 30 days, by the view's time column, or the first
1,000 rows of a view without one); API reads are GET requests through the service's FastAPI app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import quote

from pipeline.bench.queries.dashboards import clickhouse_queries, expand
from pipeline.storage import ClickHouse

Kind = Literal["panel", "view", "api"]
RANGE_DAYS = 30
VIEW_ROWS = 1000
TIME_COLUMNS = ("day", "bucket", "hour", "created_at", "fired_at", "opened_at", "clicked_at", "started_at",
                "ordered_at", "last_repost_at", "last_at")
"""A view's time column: the first of these it has. Views without one (the per-author views, whose times are
an author's first and last event, and visitors) are read as a BI tool previews a table: the first 1,000 rows."""


@dataclass(frozen=True)
class Timed:
    """One thing to time: SQL for a panel or a view, a path for an API read."""

    name: str
    kind: Kind
    target: str


def panels(ch: ClickHouse, end: datetime) -> list[Timed]:
    """Every ClickHouse query of the dashboards over the 30 days before ``end``, all brands selected."""
    brands = [r["brand"] for r in ch.query("SELECT DISTINCT brand FROM share_of_voice_daily ORDER BY brand")]
    since = end - timedelta(days=RANGE_DAYS)
    return [Timed(f"{q.dashboard.removesuffix('.json')}: {q.title}", "panel", expand(q.sql, since, end, brands))
            for q in clickhouse_queries()]


def views(ch: ClickHouse, end: datetime) -> list[Timed]:
    """Every view of the database, read with a 30-day filter on its time column."""
    names = [r["name"] for r in ch.query(
        "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine = 'View' ORDER BY name")]
    columns: dict[str, dict[str, str]] = {}
    for r in ch.query("SELECT table, name, type FROM system.columns WHERE database = currentDatabase()"):
        columns.setdefault(r["table"], {})[r["name"]] = r["type"]
    since = int((end - timedelta(days=RANGE_DAYS)).timestamp())
    out = []
    for name in names:
        cols = columns.get(name, {})
        col = next((c for c in TIME_COLUMNS if c in cols), None)
        if col is None:
            sql = f"SELECT * FROM {name} LIMIT {VIEW_ROWS}"
        else:
            low = f"toDate(toDateTime({since}))" if cols[col] == "Date" else f"toDateTime({since})"
            sql = f"SELECT * FROM {name} WHERE {col} >= {low} ORDER BY {col} DESC LIMIT {VIEW_ROWS}"
        out.append(Timed(name, "view", sql))
    return out


def _one(ch: ClickHouse, sql: str) -> str:
    rows = ch.query(sql)
    return str(next(iter(rows[0].values()))) if rows else "none"


def api_reads(ch: ClickHouse, end: datetime) -> list[Timed]:
    """The API's GET endpoints that read ClickHouse, with the 30 days before ``end`` where they take a range."""
    since = end - timedelta(days=RANGE_DAYS)
    day0, day1 = since.date().isoformat(), end.date().isoformat()
    t0, t1 = quote(since.isoformat()), quote(end.isoformat())
    brand = quote(_one(ch, "SELECT brand FROM rollup_hour WHERE signal = 'mention' AND brand != '' "
                           "GROUP BY brand ORDER BY sum(events) DESC LIMIT 1"))
    case = quote(_one(ch, "SELECT case_id FROM desk_cases ORDER BY opened_at DESC LIMIT 1"))
    author = _one(ch, "SELECT concat(platform, '/', author_id) FROM mentions WHERE author_id = 'a1' LIMIT 1")
    root = quote(_one(ch, "SELECT root_id FROM cascades ORDER BY reposts DESC, root_id LIMIT 1"))
    event = quote(_one(ch, "SELECT hot_event FROM mentions WHERE hot_event != '' ORDER BY created_at DESC LIMIT 1"))
    post = quote(_one(ch, "SELECT event_id FROM mentions WHERE kind = 'post' ORDER BY created_at DESC LIMIT 1"))
    campaign = quote(_one(ch, "SELECT campaign FROM tracked_links LIMIT 1"))
    paths = {
        "cases": "/api/cases?limit=100", "cases open": "/api/cases?open=true&limit=100",
        "case": f"/api/cases/{case}",
        "audience composition": "/api/audience/composition?days=30",
        "audience composition brand": f"/api/audience/composition?brand={brand}&days=30",
        "audience author": f"/api/audience/authors/{author}", "audience overrides": "/api/audience/overrides",
        "cascades": "/api/cascades?limit=50", "cascades brand": f"/api/cascades?brand={brand}&limit=50",
        "cascade": f"/api/cascades/{root}",
        "alerts": f"/api/alerts?since={t0}&limit=100",
        "events": f"/api/events?from={t0}&to={t1}&limit=50", "event": f"/api/events/{event}",
        "search": f"/api/mentions?q={quote('牛奶 OR 质量 OR 物流')}&from={t0}&to={t1}&limit=50",
        "search brand": f"/api/mentions?q={brand}%20AND%20platform:weibo&from={t0}&to={t1}&limit=50",
        "search sorted by engagement": f"/api/mentions?q=&from={t0}&to={t1}&sort=engagement&limit=50",
        "kols": f"/api/kols?brand={brand}&from={day0}&to={day1}",
        "trends": f"/api/trends?brand={brand}&to={day1}", "trends all": f"/api/trends?to={day1}",
        "platform roles": f"/api/platform-roles?brand={brand}",
        "group roles": f"/api/platform-roles?brand={brand}&groups=true",
        "account index": f"/api/accounts/{author}/index?from={day0}&to={day1}",
        "post performance": f"/api/posts/{post}/performance",
        "campaigns": "/api/campaigns", "campaign funnel": f"/api/campaigns/{campaign}/funnel?by=campaign",
        "saved searches": "/api/searches", "views": "/api/views",
    }
    return [Timed(f"GET {name}", "api", path) for name, path in paths.items()]
