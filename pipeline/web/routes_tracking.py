"""Deep tracking on the web tier: ``/l/{code}``, ``/t.js``, ``/t/visit``, links, orders and campaigns.

- ``GET /l/{code}`` (:mod:`pipeline.web.link_redirect`, in front of the app): 302 to the link's fixed
  target at once; the click goes to ``<prefix>clicks`` through the outbox (never awaited).
- ``GET /t.js``: the beacon for the brand's pages; ``POST /t/visit``: one beacon (``text/plain``
  JSON from ``navigator.sendBeacon``, no preflight) to ``<prefix>visits``.
- ``POST /api/links`` (supervisor), ``POST /api/conversions`` (shop), ``GET /api/campaigns`` and
  ``GET /api/campaigns/{campaign}/funnel`` (readonly).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field, ValidationError

from pipeline.decode import describe_validation_error
from pipeline.tracking import funnel, recorder
from pipeline.tracking.links import LinkError, create_link
from pipeline.web.auth import Principal, Role, require, require_shop
from pipeline.web.context import WebContext, context
from schemas.tracking import ConversionIn, LinkIn, TrackedLink, VisitBeacon

log = logging.getLogger(__name__)
router = APIRouter(tags=["tracking"])
BEACON_MAX_BYTES = 2048


def _record(ctx: WebContext, short: str, key: str, value: bytes) -> bool:
    if ctx.outbox is None or ctx.topics is None:
        return False
    ctx.outbox.add(getattr(ctx.topics, short), key.encode(), value)
    return True


@router.get("/t.js", include_in_schema=False)
async def beacon_script() -> FileResponse:
    """The visit beacon (no third-party code; see docs/tracking.md for how to include it)."""
    from pipeline.web.app import STATIC

    return FileResponse(STATIC / "t.js", media_type="text/javascript",
                        headers={"cache-control": "public, max-age=3600"})


@router.post("/t/visit", status_code=204, include_in_schema=False)
async def visit(request: Request) -> Response:
    """One beacon: page view, heartbeat or leave (JSON, sent as text/plain by the beacon)."""
    body = await request.body()
    if len(body) > BEACON_MAX_BYTES:
        raise HTTPException(413, f"a beacon has at most {BEACON_MAX_BYTES} bytes")
    try:
        beacon = VisitBeacon.model_validate_json(body)
    except ValidationError as exc:
        raise HTTPException(422, describe_validation_error(exc)[1]) from None
    event = recorder.visit(beacon, request.headers.get("user-agent"))
    if not _record(context(request), "visits", event.visitor_id, event.model_dump_json().encode()):
        raise HTTPException(503, "visits are not recorded by this process")
    return Response(status_code=204)


class LinkOut(TrackedLink):
    """A created link with its short URL."""

    link: str


@router.post("/api/links", response_model=LinkOut, status_code=201)
async def create(request: Request, spec: LinkIn, who: Principal = Depends(require(Role.supervisor))) -> LinkOut:
    """Create a tracked link (its target is fixed: http/https only)."""
    ctx = context(request)
    try:
        link = await ctx.run_blocking(create_link, ctx.ch, spec, who.name)
    except LinkError as exc:
        raise HTTPException(400, str(exc)) from None
    return LinkOut(**link.model_dump(), link=f"{str(request.base_url).rstrip('/')}/l/{link.code}")


class Accepted(BaseModel):
    """Orders queued for ``<prefix>conversions``."""

    accepted: int


@router.post("/api/conversions", response_model=Accepted, status_code=202)
async def conversions(
    request: Request, orders: Annotated[list[ConversionIn], Body(max_length=1000)],
    who: Principal = Depends(require_shop),
) -> Accepted:
    """Record orders (at most 1,000 per call); idempotent by ``order_id``."""
    ctx = context(request)
    for order in orders:
        event = order.event("api")
        if not _record(ctx, "conversions", event.order_id, event.model_dump_json().encode()):
            raise HTTPException(503, "orders are not recorded by this process")
    return Accepted(accepted=len(orders))


class CampaignsOut(BaseModel):
    """Every campaign with its funnel totals, and the orders no campaign earned."""

    attribution_days: int
    campaigns: list[dict[str, Any]]
    unattributed: dict[str, Any]


@router.get("/api/campaigns", response_model=CampaignsOut)
async def list_campaigns(request: Request, _: Principal = Depends(require(Role.readonly))) -> CampaignsOut:
    """Campaigns with tracked links: links, participants and the funnel of each."""
    ctx = context(request)
    days = ctx.settings.tracking.attribution_days

    def read() -> CampaignsOut:
        totals = {r.key: r for r in funnel.funnel(ctx.ch, by="campaign", days=days)}
        rows = [{**c, "funnel": totals[c["campaign"]].model_dump() if c["campaign"] in totals else None}
                for c in funnel.campaigns(ctx.ch)]
        return CampaignsOut(attribution_days=days, campaigns=rows, unattributed=funnel.unattributed(ctx.ch, days))

    return await ctx.run_blocking(read)


class FunnelOut(BaseModel):
    """A campaign's funnel by one dimension."""

    campaign: str
    by: str
    attribution_days: int
    rows: list[funnel.FunnelRow] = Field(default_factory=list)


@router.get("/api/campaigns/{campaign}/funnel", response_model=FunnelOut)
async def campaign_funnel(
    request: Request, campaign: str,
    by: Literal["campaign", "post", "account", "platform", "day"] = Query("campaign"),
    _: Principal = Depends(require(Role.readonly)),
) -> FunnelOut:
    """Reads, clicks, visitors, engaged visitors, time on site, orders and revenue of one campaign."""
    ctx = context(request)
    days = ctx.settings.tracking.attribution_days
    rows = await ctx.run_blocking(funnel.funnel, ctx.ch, by=by, campaign=campaign[:200], days=days)
    if not rows:
        raise HTTPException(404, "no such campaign (or nothing tracked yet)")
    return FunnelOut(campaign=campaign[:200], by=by, attribution_days=days, rows=rows)
