"""Spike alerts: ``GET /api/alerts`` (stored alerts, newest first) and ``GET /api/alerts/stream`` (SSE)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from pipeline.hub import merged, sse
from pipeline.monitor.alerts import recent_alerts
from pipeline.monitor.models import Alert
from pipeline.web.auth import Principal, Role, require, require_stream
from pipeline.web.context import context

log = logging.getLogger(__name__)

router = APIRouter(tags=["alerts"])


@router.get("/api/alerts", response_model=list[Alert])
async def list_alerts(
    request: Request,
    brand: str | None = None,
    signal: str | None = Query(None, description="mention, negative, service_request, competitor_mention"),
    since: datetime | None = Query(None, description="only alerts fired at or after this time"),
    limit: int = Query(100, ge=1, le=1000),
    _who: Principal = Depends(require(Role.readonly)),
) -> list[Alert]:
    """Stored alerts with their explanation."""
    ctx = context(request)
    return await ctx.run_blocking(
        lambda: recent_alerts(ctx.ch, since=since, brand=brand, signal=signal, limit=limit)
    )


@router.get("/api/alerts/stream", response_class=StreamingResponse)
async def alert_stream(
    request: Request, brand: str | None = None, _who: Principal = Depends(require_stream(Role.readonly))
) -> StreamingResponse:
    """Alerts as they fire (Server-Sent Events, ``alert`` events); bearer header or ``?ticket=``."""
    ctx = context(request)
    queue = ctx.hubs.alerts.subscribe()

    async def events() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            async for got in merged({"alert": queue}, timeout=15.0):
                if await request.is_disconnected():
                    break
                if got is None:
                    yield ": keep-alive\n\n"
                elif not brand or got[1].brand == brand:
                    yield sse("alert", got[1].model_dump_json(), got[1].alert_id)
        finally:
            ctx.hubs.alerts.unsubscribe(queue)

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
