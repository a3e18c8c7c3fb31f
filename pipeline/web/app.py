"""The FastAPI application: API under /api/, pages at /, OpenAPI at /openapi.json.

Feature modules contribute routers: each module listed in ``ROUTE_MODULES`` exposes
``router`` (an ``APIRouter``). Routes reach the running pipeline through
``pipeline.web.context.context(request)`` (a :class:`WebContext`).
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from pipeline import __version__
from pipeline.web.auth import parse_tokens
from pipeline.web.context import WebContext
from pipeline.web.ops import ops_router
from pipeline.web.users import UserDirectory

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
ROUTE_MODULES: list[str] = [
    "pipeline.web.routes_mentions",
    "pipeline.web.routes_alerts",
    "pipeline.web.routes_audience",
    "pipeline.web.routes_cascades",
    "pipeline.web.routes_cases",
]
"""Feature routers, e.g. 'pipeline.web.routes_cases'; each module defines ``router``."""


def create_web_app(ctx: WebContext) -> FastAPI:
    """Build the app for a running pipeline."""
    app = FastAPI(
        title="sociallisten",
        version=__version__,
        description="Social listening for Chinese social media: live mentions, alerts and the service desk.",
    )
    app.state.ctx = ctx
    api_tokens = ctx.settings.web.api_tokens
    app.state.tokens = parse_tokens(api_tokens.get_secret_value() if api_tokens else None)
    users_file = ctx.settings.web.users_file
    app.state.users = UserDirectory(users_file) if users_file is not None else None
    if not app.state.tokens and users_file is None:
        log.warning("neither SOCIALLISTEN_USERS_FILE nor SOCIALLISTEN_API_TOKENS is set: every /api/ call will get 401")

    @app.get("/api/health", tags=["meta"])
    async def health() -> dict[str, str]:
        """Liveness: the web service answers."""
        return {"status": "ok", "version": __version__}

    if ctx.metrics is not None:
        app.include_router(ops_router(ctx.metrics, ctx.readiness or _always_ready))

    for name in ROUTE_MODULES:
        module = importlib.import_module(name)
        app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _always_ready() -> dict[str, Any]:
    return {"ready": True, "checks": {}, "reasons": []}
