"""Saved searches per user: ``/api/searches`` (create, list, delete) and a saved search's live stream.

``GET /api/searches/{id}/stream`` is the live mention stream (Server-Sent Events, like
``/api/mentions/stream``) filtered by the saved query: words and phrases are matched in the live
mention's normalised text and keywords, field filters as in search.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import StreamingResponse

from pipeline.hub import merged, sse
from pipeline.monitor.models import LiveMention
from pipeline.search import saved
from pipeline.search.models import SavedSearch, SavedSearchIn
from pipeline.search.parse import Node, QueryError, parse
from pipeline.search.query import matches
from pipeline.text.normalize import normalize_term
from pipeline.web.auth import Principal, Role, require, require_stream
from pipeline.web.context import context
from pipeline.web.routes_search import bad_query

router = APIRouter(tags=["search"])


@router.get("/api/searches", response_model=list[SavedSearch])
async def list_searches(request: Request, who: Principal = Depends(require(Role.readonly))) -> list[SavedSearch]:
    """Your saved searches, newest first."""
    ctx = context(request)
    return await ctx.run_blocking(saved.list_saved, ctx.ch, who.name)


@router.post("/api/searches", response_model=SavedSearch, status_code=201)
async def create_search(
    request: Request, spec: SavedSearchIn, who: Principal = Depends(require(Role.readonly))
) -> SavedSearch:
    """Save a search under a name (400 if its query is malformed)."""
    ctx = context(request)
    try:
        return await ctx.run_blocking(saved.create_saved, ctx.ch, who.name, spec)
    except QueryError as exc:
        raise bad_query(exc) from None
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from None


@router.delete("/api/searches/{search_id}", status_code=204)
async def delete_search(request: Request, search_id: str, who: Principal = Depends(require(Role.readonly))) -> Response:
    """Delete one of your saved searches."""
    ctx = context(request)
    if not await ctx.run_blocking(saved.delete_saved, ctx.ch, who.name, search_id[:64]):
        raise HTTPException(404, "no such saved search of yours")
    return Response(status_code=204)


def live_matches(node: Node, m: LiveMention) -> bool:
    """Whether a live mention matches a query (text and keywords stand for the stored text and tokens)."""
    row = {"own_text": normalize_term(m.text), "tokens": m.keywords, "brands": m.brands, "signals": m.signals,
           "platform": m.platform, "sentiment": m.sentiment, "kind": m.kind, "author_name": m.author_name,
           "author_id": m.author_id}
    return matches(node, row)


@router.get("/api/searches/{search_id}/stream", response_class=StreamingResponse)
async def search_stream(
    request: Request, search_id: str, who: Principal = Depends(require_stream(Role.readonly))
) -> StreamingResponse:
    """Live mentions matching one of your saved searches, as they are stored (``mention`` events)."""
    ctx = context(request)
    found = await ctx.run_blocking(saved.get_saved, ctx.ch, who.name, search_id[:64])
    if found is None:
        raise HTTPException(404, "no such saved search of yours")
    node = parse(found.q)
    queue = ctx.hubs.mentions.subscribe()

    async def events() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            async for got in merged({"mention": queue}, timeout=2.5):
                if await request.is_disconnected():
                    break
                if got is None:
                    yield ": keep-alive\n\n"
                elif live_matches(node, got[1]):
                    yield sse("mention", got[1].model_dump_json(), got[1].event_id)
        finally:
            ctx.hubs.mentions.unsubscribe(queue)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
