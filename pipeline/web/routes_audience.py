"""Audience quality: per-author segments, per-brand composition and the manual override list."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field, ValidationError

from pipeline.monitor import insight
from pipeline.web.auth import Principal, Role, require
from pipeline.web.context import context

router = APIRouter(tags=["audience"])


class OverrideIn(BaseModel):
    """A manual segment for one author."""

    segment: str = Field(description="real_customer, potential_customer, high_value, suspected_low_quality, ordinary")
    note: str = Field(default="", max_length=500)


@router.get("/api/audience/authors/{platform}/{author_id}")
async def get_author(
    request: Request, platform: str, author_id: str, _who: Principal = Depends(require(Role.readonly))
) -> dict[str, Any]:
    """Statistics, flags and segments of one author."""
    ctx = context(request)
    row = await ctx.run_blocking(insight.author, ctx.ch, platform, author_id)
    if row is None:
        raise HTTPException(404, "author not seen")
    return row


@router.get("/api/audience/composition")
async def get_composition(
    request: Request, brand: str | None = None, days: int = Query(7, ge=1, le=366),
    _who: Principal = Depends(require(Role.readonly)),
) -> list[dict[str, Any]]:
    """Distinct authors per day, brand and segment."""
    ctx = context(request)
    return await ctx.run_blocking(
        insight.composition, ctx.ch, brand, date.today() - timedelta(days=days)
    )


@router.get("/api/audience/overrides")
async def list_overrides(request: Request, _who: Principal = Depends(require(Role.readonly))) -> list[dict[str, Any]]:
    """The manual override list."""
    ctx = context(request)
    return await ctx.run_blocking(insight.overrides, ctx.ch)


_OVERRIDE_BODY = {"requestBody": {"content": {"application/json": {"schema": OverrideIn.model_json_schema()}},
                                  "required": True}}


@router.put("/api/audience/overrides/{platform}/{author_id}", status_code=204, openapi_extra=_OVERRIDE_BODY)
async def put_override(
    request: Request, platform: str, author_id: str, who: Principal = Depends(require(Role.agent))
) -> None:
    """Set an author's segment by hand (it replaces the computed ones); the body is an :class:`OverrideIn`.

    The body is read only once the caller is authenticated (size-capped by the web service).
    """
    ctx = context(request)
    try:
        body = OverrideIn.model_validate_json(await request.body())
    except ValidationError as exc:
        raise HTTPException(422, jsonable_encoder(exc.errors(include_url=False, include_context=False))) from None
    try:
        await ctx.run_blocking(insight.set_override, ctx.ch, platform, author_id, body.segment, body.note, who.name)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@router.delete("/api/audience/overrides/{platform}/{author_id}", status_code=204)
async def delete_override(
    request: Request, platform: str, author_id: str, who: Principal = Depends(require(Role.agent))
) -> None:
    """Remove an author's manual segment."""
    ctx = context(request)
    await ctx.run_blocking(insight.set_override, ctx.ch, platform, author_id, "", "", who.name)
