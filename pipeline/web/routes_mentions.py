"""Live mentions: ``GET /api/mentions/stream`` (Server-Sent Events) and per-minute counters.

The stream sends ``mention`` events (a :class:`LiveMention` as JSON), ``counters`` every few
seconds (a list of :class:`MinuteCount`), ``alert`` events (an :class:`Alert`) and keep-alive
comments. EventSource cannot set headers, so ``?ticket=`` (from ``POST /api/stream-ticket``) is accepted as
well as the bearer header.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, StreamingResponse

from pipeline.hub import merged, sse
from pipeline.monitor.live import LiveFeed
from pipeline.monitor.models import MentionFilter, MinuteCount
from pipeline.web.auth import Principal, Role, require, require_stream
from pipeline.web.context import context

log = logging.getLogger(__name__)

router = APIRouter(tags=["live"])
COUNTER_SECONDS = 5.0


def _feed(request: Request) -> LiveFeed:
    feed = context(request).live
    if feed is None:
        raise HTTPException(503, "live monitoring is not attached to this worker")
    return feed


def _filter(
    brand: str | None = Query(None, description="only mentions of this brand"),
    competitor: str | None = Query(None, description="only mentions of this competitor"),
    signal: str | None = Query(None, description="buyer, service_request, purchase_intent, competitor_mention, ..."),
    platform: str | None = Query(None),
    sentiment: str | None = Query(None, description="positive, negative or neutral"),
) -> MentionFilter:
    return MentionFilter(brand=brand, competitor=competitor, signal=signal, platform=platform, sentiment=sentiment)


def _counters_json(counts: list[MinuteCount]) -> str:
    return orjson.dumps([c.model_dump(mode="json") for c in counts]).decode()


@router.get("/api/mentions/stream", response_class=StreamingResponse)
async def mention_stream(
    request: Request,
    filt: MentionFilter = Depends(_filter),
    backfill: int = Query(20, ge=0, le=500, description="recent mentions sent first"),
    alerts: bool = Query(True, description="also send alert events"),
    _who: Principal = Depends(require_stream(Role.readonly)),
) -> StreamingResponse:
    """Enriched mentions as they are stored, filtered; counters every 5 s; alerts as they fire."""
    ctx = context(request)
    feed = _feed(request)
    queues = {"mention": ctx.hubs.mentions.subscribe()}
    if alerts:
        queues["alert"] = ctx.hubs.alerts.subscribe()

    async def events() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            for m in feed.recent(filt, backfill):
                yield sse("mention", m.model_dump_json(), m.event_id)
            yield sse("counters", _counters_json(feed.counters(filt)))
            next_counters = time.monotonic() + COUNTER_SECONDS
            async for got in merged(queues, timeout=COUNTER_SECONDS / 2):
                if await request.is_disconnected():
                    break
                if got is not None:
                    kind, item = got
                    if kind == "mention" and filt.matches(item):
                        yield sse("mention", item.model_dump_json(), item.event_id)
                    elif kind == "alert" and (not filt.brand or item.brand == filt.brand):
                        yield sse("alert", item.model_dump_json(), item.alert_id)
                else:
                    yield ": keep-alive\n\n"
                if time.monotonic() >= next_counters:
                    yield sse("counters", _counters_json(feed.counters(filt)))
                    next_counters = time.monotonic() + COUNTER_SECONDS
        finally:
            ctx.hubs.mentions.unsubscribe(queues["mention"])
            if "alert" in queues:
                ctx.hubs.alerts.unsubscribe(queues["alert"])

    return StreamingResponse(
        events(), media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"},
    )


@router.get("/api/mentions/counters", response_model=list[MinuteCount])
async def mention_counters(
    request: Request, filt: MentionFilter = Depends(_filter), _who: Principal = Depends(require(Role.readonly))
) -> list[MinuteCount]:
    """Per-minute counters of the mentions this worker received (processing time), filtered."""
    return _feed(request).counters(filt)


@router.get("/live", include_in_schema=False)
async def live_page() -> FileResponse:
    """The live monitoring page."""
    from pipeline.web.app import STATIC

    return FileResponse(STATIC / "live.html")
