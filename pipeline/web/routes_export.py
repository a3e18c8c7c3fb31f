"""Exports: ``GET /api/mentions/export`` (a search's mentions) and ``GET /api/views/{name}/export`` (a BI view).

The file is streamed as it is written (:mod:`pipeline.search.export`): constant memory however
many rows. Formats: csv (UTF-8 with BOM, for Excel), xlsx, parquet, jsonl.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool

from pipeline.errors import StorageError
from pipeline.search import export
from pipeline.search.models import Search
from pipeline.search.parse import QueryError, parse
from pipeline.search.writers import MEDIA_TYPES, Format
from pipeline.web.auth import Principal, Role, require
from pipeline.web.context import context
from pipeline.web.routes_search import bad_query, search_params

router = APIRouter(tags=["export"])


def _response(chunks: Iterator[bytes], fmt: Format, stem: str) -> StreamingResponse:
    name = f"{stem}-{datetime.now(UTC):%Y%m%d-%H%M%S}.{fmt}"

    async def body() -> AsyncIterator[bytes]:
        async for chunk in iterate_in_threadpool(chunks):
            if chunk:
                yield chunk

    return StreamingResponse(body(), media_type=MEDIA_TYPES[fmt],
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/api/mentions/export", response_class=StreamingResponse)
async def export_mentions(
    request: Request,
    search: Search = Depends(search_params),
    fmt: Format = Query("csv", alias="format", description="csv, xlsx, parquet or jsonl"),
    _who: Principal = Depends(require(Role.readonly)),
) -> StreamingResponse:
    """Every mention the search finds, as a file (streamed)."""
    try:
        parse(search.q)
    except QueryError as exc:
        raise bad_query(exc) from None
    ctx = context(request)
    source = export.mention_source(ctx.ch, search)
    return _response(export.export_chunks(source, export.EXPORT_COLUMNS, fmt), fmt, "mentions")


@router.get("/api/views")
async def list_views(request: Request, _who: Principal = Depends(require(Role.readonly))) -> list[str]:
    """The BI views that can be exported."""
    ctx = context(request)
    return await ctx.run_blocking(export.views, ctx.ch)


@router.get("/api/views/{name}/export", response_class=StreamingResponse)
async def export_view(
    request: Request, name: str,
    fmt: Format = Query("csv", alias="format", description="csv, xlsx, parquet or jsonl"),
    _who: Principal = Depends(require(Role.readonly)),
) -> StreamingResponse:
    """A whole BI view as a file (streamed)."""
    ctx = context(request)
    try:
        columns = await ctx.run_blocking(export.view_columns, ctx.ch, name)
    except StorageError:
        raise HTTPException(404, "no such view; GET /api/views lists them") from None
    source = export.view_source(ctx.ch, name, columns)
    return _response(export.export_chunks(source, columns, fmt), fmt, name)
