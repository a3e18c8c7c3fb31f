"""Hot events: near-duplicate posts and their reposts grouped into events (``/api/events``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from pipeline.monitor.event_queries import hot_event, hot_events
from pipeline.web.auth import Principal, Role, require
from pipeline.web.context import context

router = APIRouter(tags=["events"])


@router.get("/api/events")
async def list_events(
    request: Request,
    since: datetime | None = Query(None, alias="from", description="only events active since (ISO-8601)"),
    until: datetime | None = Query(None, alias="to", description="only events started before (ISO-8601)"),
    platform: str | None = None, brand: str | None = None,
    min_posts: int = Query(2, ge=1, description="smallest event size"),
    limit: int = Query(50, ge=1, le=1000), _who: Principal = Depends(require(Role.readonly)),
) -> list[dict[str, Any]]:
    """Hot events, largest first: first post, size over time (hourly), platforms, authors, low-quality share."""
    ctx = context(request)
    return await ctx.run_blocking(lambda: hot_events(ctx.ch, since=since, until=until, min_posts=min_posts,
                                                     platform=platform, brand=brand, limit=limit))


@router.get("/api/events/{event_id}")
async def get_event(
    request: Request, event_id: str, members: int = Query(100, ge=1, le=5000),
    _who: Principal = Depends(require(Role.readonly)),
) -> dict[str, Any]:
    """One event: its figures, hourly sizes and first posts (how each joined: new, copy, repost)."""
    ctx = context(request)
    row = await ctx.run_blocking(hot_event, ctx.ch, event_id, members)
    if row is None:
        raise HTTPException(404, "no such event")
    return row
