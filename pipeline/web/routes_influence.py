"""Influence: engagement indices, KOL ranking, emerging topics and platform roles (docs/monitoring.md)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from pipeline.monitor import engagement, kols, trends
from pipeline.search.writers import MEDIA_TYPES, open_writer
from pipeline.web.auth import Principal, Role, require
from pipeline.web.context import context

router = APIRouter(tags=["influence"])
Reader = Depends(require(Role.readonly))


@router.get("/api/accounts/{platform}/{author_id}/index")
async def account_index(
    request: Request, platform: str, author_id: str,
    since: date | None = Query(None, alias="from", description="first day (UTC)"),
    until: date | None = Query(None, alias="to", description="last day (UTC)"),
    _who: Principal = Reader,
) -> dict[str, Any]:
    """An account's engagement index per day (WCI/BCI-like), WeChat reach rate and engagement rate per follower."""
    ctx = context(request)
    days = await ctx.run_blocking(engagement.account_index, ctx.ch, platform, author_id, since, until)
    if not days:
        raise HTTPException(404, "no posts of this account in the period")
    return {"platform": platform, "author_id": author_id, "days": days}


@router.get("/api/posts/{event_id}/performance")
async def post_performance(request: Request, event_id: str, _who: Principal = Reader) -> dict[str, Any]:
    """A post's or article's counts, index, reach rate (reads ÷ followers) and engagement rate."""
    ctx = context(request)
    row = await ctx.run_blocking(engagement.post_performance, ctx.ch, event_id)
    if row is None:
        raise HTTPException(404, "no such post (comments have no performance)")
    return row


def _period(since: date | None, until: date | None) -> tuple[datetime, datetime, float]:
    end = until or datetime.now(UTC).date()
    start = since or end - timedelta(days=29)
    if start > end:
        raise HTTPException(422, "'from' is after 'to'")
    lo, hi = datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(days=1), time(), UTC)
    return lo, hi, float((end - start).days + 1)


@router.get("/api/kols", response_model=None)
async def list_kols(
    request: Request, brand: str = Query(..., min_length=1, description="lexicon brand"),
    platform: str | None = None,
    since: date | None = Query(None, alias="from", description="first day (UTC); default: 30 days before 'to'"),
    until: date | None = Query(None, alias="to", description="last day (UTC); default: today"),
    sort: kols.SortKey = Query("score", description="score, reach, engagement, quality or affinity"),
    limit: int = Query(50, ge=1, le=1000),
    fmt: Literal["json", "csv", "xlsx", "jsonl"] = Query("json", alias="format", description="json or a file"),
    _who: Principal = Reader,
) -> list[dict[str, Any]] | Response:
    """Authors who talk about a brand, ranked by reach, engagement, audience quality and brand affinity."""
    ctx = context(request)
    lo, hi, days = _period(since, until)
    ranked = await ctx.run_blocking(kols.ranked, ctx.ch, brand, lo, hi, days, platform, sort, limit)
    if fmt == "json":
        return ranked
    out = io.BytesIO()
    writer = open_writer(fmt, out, list(ranked[0]) if ranked else ["author_id"])
    writer.write(ranked)
    writer.close()
    return Response(out.getvalue(), media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="kols.{fmt}"'})


@router.get("/api/trends")
async def get_trends(
    request: Request, brand: str = Query("", description="lexicon brand; empty: all mentions"),
    window: int = Query(1, ge=1, le=30, description="days up to 'to'"),
    baseline_days: int = Query(14, ge=1, le=90, description="days before the window"),
    until: date | None = Query(None, alias="to", description="last day (UTC); default: the brand's latest"),
    _who: Principal = Reader,
) -> dict[str, Any]:
    """Rising terms and hashtags (novelty against their baseline) and new words the dictionary does not know."""
    ctx = context(request)
    return await ctx.run_blocking(trends.trends, ctx.ch, brand, window, baseline_days, until)


@router.get("/api/platform-roles")
async def platform_roles(
    request: Request, brand: str = Query("", description="lexicon brand; empty: all mentions"),
    groups: bool = Query(False, description="per group (QQ group, circle) instead of per platform"),
    _who: Principal = Reader,
) -> list[dict[str, Any]]:
    """Per platform: reach, depth of spread, conversation, buyer/service shares and audience quality."""
    ctx = context(request)
    view = "group_roles" if groups else "platform_roles"
    order = "platform, group_id" if groups else "platform"
    return await ctx.run_blocking(
        ctx.ch.query, f"SELECT * FROM {view} WHERE brand = %(b)s ORDER BY {order}", {"b": brand})
