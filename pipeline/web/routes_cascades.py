"""Repost cascades: the largest ones, and one root post's cascade metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from pipeline.monitor import insight
from pipeline.web.auth import Principal, Role, require
from pipeline.web.context import context

router = APIRouter(tags=["cascades"])


@router.get("/api/cascades")
async def list_cascades(
    request: Request, brand: str | None = None, suspected: bool | None = None,
    limit: int = Query(50, ge=1, le=1000), _who: Principal = Depends(require(Role.readonly)),
) -> list[dict[str, Any]]:
    """Cascades by number of reposts (filter by root-post brand or suspected amplification)."""
    ctx = context(request)
    return await ctx.run_blocking(
        lambda: insight.cascades(ctx.ch, brand=brand, suspected=suspected, limit=limit)
    )


@router.get("/api/cascades/{root_id}")
async def get_cascade(
    request: Request, root_id: str, _who: Principal = Depends(require(Role.readonly))
) -> dict[str, Any]:
    """Size, depth, levels, structural virality, reach, spreaders and the amplification flag of one cascade."""
    ctx = context(request)
    row = await ctx.run_blocking(insight.cascade, ctx.ch, root_id)
    if row is None:
        raise HTTPException(404, "no cascade for this root post")
    return row
