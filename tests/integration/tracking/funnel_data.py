"""A tracked campaign's stream and the funnel it must give, computed from the generated events alone."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from pipeline.storage import ClickHouse
from pipeline.tracking.links import create_link
from pipeline.tracking.rows import (
    CLICK_COLUMNS,
    CONVERSION_COLUMNS,
    VISIT_COLUMNS,
    click_row,
    conversion_row,
    visit_row,
)
from pipeline.tracking.synthetic import TrackingStream, generate_tracking
from schemas.tracking import LinkIn

CAMPAIGN = "summer-2026"


@dataclass
class Expected:
    """The funnel numbers of one stream."""

    clicks: int
    bot_clicks: int
    visitors: int
    engaged: int
    dwell_ms: list[int]
    orders: int
    revenue_cents: int
    unattributed: int


def make_links(ch: ClickHouse, n: int = 3) -> list[str]:
    """``n`` links of :data:`CAMPAIGN` on different posts, platforms and accounts; their codes."""
    platforms = ("weibo", "wechat", "xiaohongshu")
    return [create_link(ch, LinkIn(url=f"https://shop.example.com/summer?p={i}", campaign=CAMPAIGN,
                                   post=f"weibo:{1000 + i}", platform=platforms[i % 3], account=f"kol{i}"),
                        "test").code for i in range(n)]


def stream(codes: list[str], now: datetime | None = None) -> TrackingStream:
    """1,000 clicks (20 by bots, 1 older than the window), 600 page views, 50 orders plus 1 stale one."""
    return generate_tracking(codes, clicks=1000, views=600, orders=50, stale_orders=1, bot_clicks=20,
                             now=now or datetime.now(UTC).replace(microsecond=0), seed=26)


def expected(s: TrackingStream) -> Expected:
    """What the funnel views must show for ``s`` (all links in one campaign, 7-day window)."""
    view_dwell: dict[str, int] = defaultdict(int)
    view_owner: dict[str, tuple[str, str]] = {}
    for v in s.visits:
        view_dwell[v.view_id] = max(view_dwell[v.view_id], v.dwell_ms)
        view_owner[v.view_id] = (v.visitor_id, v.code)
    per_visitor: dict[tuple[str, str], int] = defaultdict(int)
    for view, dwell in view_dwell.items():
        per_visitor[view_owner[view]] += dwell
    stale = {o.order_id for o in s.conversions if "stale" in o.order_id}
    return Expected(
        clicks=len(s.clicks), bot_clicks=sum(c.bot for c in s.clicks),
        visitors=len({visitor for visitor, _ in per_visitor}),
        engaged=len({visitor for (visitor, _), ms in per_visitor.items() if ms >= 10_000}),
        dwell_ms=sorted(per_visitor.values()),
        orders=len(s.conversions) - len(stale),
        revenue_cents=sum(o.amount_cents for o in s.conversions if o.order_id not in stale),
        unattributed=len(stale),
    )


def middle(values: list[int], level: float) -> set[float]:
    """The values an exact quantile at ``level`` may pick (either neighbour of the position), in seconds."""
    pos = level * (len(values) - 1)
    return {round(values[int(pos)] / 1000, 1), round(values[min(len(values) - 1, int(pos) + 1)] / 1000, 1)}


def store(ch: ClickHouse, s: TrackingStream) -> None:
    """Write a stream's rows as the worker does (one version)."""
    version = time.time_ns() // 1000
    ch.insert("clicks", CLICK_COLUMNS, [click_row(c, version) for c in s.clicks])
    ch.insert("visits", VISIT_COLUMNS, [visit_row(v, version) for v in s.visits])
    ch.insert("conversions", CONVERSION_COLUMNS, [conversion_row(o, version) for o in s.conversions])
