"""Fill a :class:`~pipeline.report.models.Report` from ClickHouse (the queries are in :mod:`.queries`)."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from pipeline.report import queries as q
from pipeline.report.models import (
    Author,
    BrandVolume,
    Cascade,
    Desk,
    Post,
    Report,
    Series,
    SpikeAlert,
)
from pipeline.report.period import Period, Trend, share
from pipeline.storage.backend import ClickHouse
from pipeline.tracking.funnel import FunnelRow, funnel

log = logging.getLogger(__name__)

TOP_N = 10
SOV_BRANDS = 8  # brands shown in the share-of-voice chart and table
SERIES_BRANDS = 5  # the brand in focus and the biggest others in the volume chart
SENTIMENTS = ("positive", "neutral", "negative")


def latest_day(ch: ClickHouse) -> date | None:
    """The UTC day of the newest stored mention; None when there is none."""
    row = ch.query(q.LATEST_DAY)[0]
    if not int(row["n"]):
        return None
    latest: datetime = row["latest"]
    return (latest if latest.tzinfo else latest.replace(tzinfo=UTC)).astimezone(UTC).date()


def _params(period: Period, brand: str) -> dict[str, Any]:
    return {
        "start": period.start_at, "end": period.end_at, "prev_start": period.previous().start_at,
        "brand": brand, "start_ts": int(period.start_at.timestamp()), "limit": TOP_N,
    }


def _trend(rows: Sequence[dict[str, Any]], key: str) -> Trend:
    by_cur = {int(r["cur"]): int(r[key] or 0) for r in rows}
    return Trend(current=by_cur.get(1, 0), previous=by_cur.get(0, 0))


def _share_of_voice(ch: ClickHouse, p: dict[str, Any], own: Sequence[str]) -> list[BrandVolume]:
    rows = ch.query(q.SHARE_OF_VOICE, p)
    total_cur = sum(int(r["cur"]) for r in rows)
    total_prev = sum(int(r["prev"]) for r in rows)
    shown = [r for r in rows if int(r["cur"]) or int(r["prev"])][:SOV_BRANDS]
    focus = [r for r in rows if r["brand"] in own and r not in shown]
    return [
        BrandVolume(brand=str(r["brand"]), own=r["brand"] in own,
                    volume=Trend(current=int(r["cur"]), previous=int(r["prev"])),
                    share=share(int(r["cur"]), total_cur), previous_share=share(int(r["prev"]), total_prev))
        for r in shown + focus
    ]


def _series(ch: ClickHouse, period: Period, p: dict[str, Any], brands: list[str]) -> list[Series]:
    if not brands:
        return []
    step, count = period.buckets
    counts = {b: [0] * count for b in brands}
    for r in ch.query(q.SERIES, dict(p, step=step, brands=tuple(brands))):
        bucket = int(r["bucket"])
        if 0 <= bucket < count:
            counts[str(r["brand"])][bucket] = int(r["n"])
    return [Series(brand=b, counts=c) for b, c in counts.items()]


def _desk(ch: ClickHouse, p: dict[str, Any]) -> Desk:
    rows = ch.query(q.DESK_OPENED, p)
    cur = next((r for r in rows if int(r["cur"]) == 1), None)
    backlog = ch.query(q.DESK_BACKLOG, p)[0]
    answered = int(cur["answered"]) if cur else 0
    minutes = float(cur["response_minutes"] or 0.0) if cur else 0.0
    return Desk(
        opened=_trend(rows, "opened"), answered=answered, resolved=int(cur["resolved"]) if cur else 0,
        avg_first_response_minutes=minutes / answered if answered and math.isfinite(minutes) else None,
        first_response_breaches=int(cur["response_breaches"]) if cur else 0,
        resolution_breaches=int(cur["resolution_breaches"]) if cur else 0,
        backlog=int(backlog["open_cases"]), overdue=int(backlog["overdue"]),
    )


def _posts(ch: ClickHouse, p: dict[str, Any]) -> list[Post]:
    return [
        Post(event_id=r["event_id"], platform=r["platform"], author_name=r["author_name"],
             created_at=r["created_at"], text=r["excerpt"], engagement=int(r["engagement"]),
             sentiment=r["sentiment"])
        for r in ch.query(q.TOP_POSTS, p)
    ]


def _authors(ch: ClickHouse, p: dict[str, Any]) -> list[Author]:
    return [
        Author(platform=r["platform"], author_id=r["author_id"], author_name=r["name"],
               followers=int(r["followers"]), mentions=int(r["n"]), engagement=int(r["engagement"]))
        for r in ch.query(q.TOP_AUTHORS, p)
    ]


def _cascades(ch: ClickHouse, p: dict[str, Any]) -> list[Cascade]:
    return [
        Cascade(root_id=r["root_id"], platform=r["platform"], root_author=r["root_author"],
                root_text=r["root_text"], size=int(r["size"]), max_depth=int(r["max_depth"]),
                unique_reposters=int(r["unique_reposters"]), suspect_share=float(r["suspect_share"]),
                suspected_amplification=bool(r["suspected_amplification"]),
                amplification_score=float(r["amplification_score"]))
        for r in ch.query(q.CASCADES, p)
    ]


def _alerts(ch: ClickHouse, p: dict[str, Any]) -> list[SpikeAlert]:
    return [
        SpikeAlert(fired_at=r["fired_at"], brand=r["brand"], signal=r["signal"], count=int(r["n"]),
                   threshold=float(r["threshold"]), severity=r["severity"], explanation=r["explanation"])
        for r in ch.query(q.ALERTS, dict(p, limit=50))
    ]


def _campaigns(ch: ClickHouse, period: Period, attribution_days: int) -> list[FunnelRow]:
    """The tracked campaigns' funnels in the period; none when no link was ever made (one cheap query)."""
    if not ch.query("SELECT count() AS n FROM tracked_links")[0]["n"]:
        return []
    rows = funnel(ch, by="campaign", days=attribution_days, window=(period.start_at, period.end_at))
    return [r for r in rows if r.clicks or r.visitors or r.orders]


def build_report(ch: ClickHouse, period: Period, brand: str, own_brands: Sequence[str],
                 now: datetime | None = None, attribution_days: int = 7) -> Report:
    """Every number of the report on ``period`` for ``brand`` ('' = every mention).

    Campaigns (deep tracking) are not per brand: the report shows every tracked campaign's funnel.
    """
    p = _params(period, brand)
    counts = ch.query(q.COUNTS, p)
    categories: dict[str, dict[int, int]] = {}
    for r in ch.query(q.CATEGORIES, p):
        categories.setdefault(str(r["k"]) or "other", {})[int(r["cur"])] = int(r["n"])
    sov = _share_of_voice(ch, p, own_brands)
    focus = [brand] if brand else []
    others = [v.brand for v in sov if v.brand != brand and v.volume.current]
    report = Report(
        period=period, previous=period.previous(), brand=brand,
        generated_at=(now or datetime.now(UTC)).replace(microsecond=0),
        mentions=_trend(counts, "n_mentions"), buyers=_trend(counts, "n_buyers"),
        service_requests=_trend(counts, "n_service"), purchase_intent=_trend(counts, "n_intent"),
        sentiment={s: _trend(counts, f"n_{s}") for s in SENTIMENTS},
        service_categories={k: Trend(current=v.get(1, 0), previous=v.get(0, 0))
                            for k, v in sorted(categories.items(), key=lambda kv: -kv[1].get(1, 0))},
        share_of_voice=sov, series=_series(ch, period, p, (focus + others)[:SERIES_BRANDS]),
        top_posts=_posts(ch, p), top_authors=_authors(ch, p), cascades=_cascades(ch, p),
        amplified_cascades=int(ch.query(q.AMPLIFIED, p)[0]["n"] or 0), alerts=_alerts(ch, p), desk=_desk(ch, p),
        campaigns=_campaigns(ch, period, attribution_days),
    )
    log.info("report %s for %r: %d mentions, %d brands, %d alerts", period.slug, brand or "*",
             report.mentions.current, len(sov), len(report.alerts))
    return report
