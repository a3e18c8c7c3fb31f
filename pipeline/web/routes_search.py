"""Search over stored mentions: ``GET /api/mentions`` (query, page, counts) and the ``/search`` page.

The query language is :mod:`pipeline.search.parse`; a malformed query gets 400 with
``{"detail": {"error": ..., "position": n}}``. Exports and saved searches are in
:mod:`pipeline.web.routes_export` and :mod:`pipeline.web.routes_saved`.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse

from pipeline.search import run
from pipeline.search.models import Page, Search, Sort
from pipeline.search.parse import QueryError
from pipeline.web.auth import Principal, Role, require
from pipeline.web.context import context

router = APIRouter(tags=["search"])


def bad_query(exc: QueryError) -> HTTPException:
    """The 400 of a malformed query or cursor."""
    return HTTPException(400, {"error": exc.message, "position": exc.position})


def search_params(
    q: str = Query("", max_length=2000, description='e.g. 蒙牛 AND (退款 OR "质量问题") NOT platform:tieba'),
    from_: datetime | None = Query(None, alias="from", description="earliest created_at, ISO 8601 (inclusive)"),
    to: datetime | None = Query(None, description="latest created_at, ISO 8601 (exclusive)"),
    sort: Sort = Query("time", description="time (newest first) or engagement (reposts+comments+likes)"),
) -> Search:
    """The search of a request's query parameters (shared by search and export)."""
    return Search(q=q, from_=from_, to=to, sort=sort)


@router.get("/api/mentions", response_model=Page)
async def search_mentions(
    request: Request,
    search: Search = Depends(search_params),
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = Query(None, max_length=500, description="next_cursor of the previous page"),
    counts: bool = Query(True, description="also count every hit by day, brand and platform (first page)"),
    _who: Principal = Depends(require(Role.readonly)),
) -> Page:
    """Stored mentions matching the query: a page (keyset cursor) and, on request, counts with drill-down searches."""
    ctx = context(request)

    def work() -> Page:
        result = run.page(ctx.ch, search, limit, cursor)
        if counts:
            result.counts = run.counts(ctx.ch, search)
        return result

    try:
        return await ctx.run_blocking(work)
    except QueryError as exc:
        raise bad_query(exc) from None


@router.get("/search", include_in_schema=False)
async def search_page() -> FileResponse:
    """The search page."""
    from pipeline.web.app import STATIC

    return FileResponse(STATIC / "search.html")
