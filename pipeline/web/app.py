"""The FastAPI application: API under /api/, pages at /, OpenAPI at /openapi.json.

Every response carries the security headers of :mod:`pipeline.web.guard` (a Content-Security-Policy
that allows only the service's own scripts and styles), and a request body over
``SOCIALLISTEN_WEB_MAX_BODY_BYTES`` gets 413 before routing, so before authentication. ``/docs`` is
Swagger UI served by the service itself (the Swagger UI files that the ``fastapi-offline`` package
ships, started by a script of ours, so the policy holds: no CDN, no inline code); ``/openapi.json`` describes the API.

Feature modules contribute routers: each module listed in ``ROUTE_MODULES`` exposes
``router`` (an ``APIRouter``). Routes reach the running pipeline through
``pipeline.web.context.context(request)`` (a :class:`WebContext`).
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from pipeline import __version__
from pipeline.web.auth import parse_tokens
from pipeline.web.context import WebContext
from pipeline.web.guard import BodyLimit, SecurityHeaders
from pipeline.web.link_redirect import LinkRedirects
from pipeline.web.ops import ops_router
from pipeline.web.throttle import FailureLimiter
from pipeline.web.tickets import TicketSigner
from pipeline.web.users import UserDirectory

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
ROUTE_MODULES: list[str] = [
    "pipeline.web.routes_mentions",
    "pipeline.web.routes_alerts",
    "pipeline.web.routes_audience",
    "pipeline.web.routes_cascades",
    "pipeline.web.routes_events",
    "pipeline.web.routes_influence",
    "pipeline.web.routes_cases",
    "pipeline.web.routes_tickets",
    "pipeline.web.routes_search",
    "pipeline.web.routes_export",
    "pipeline.web.routes_saved",
    "pipeline.web.routes_tracking",
]
"""Feature routers, e.g. 'pipeline.web.routes_cases'; each module defines ``router``."""
SWAGGER_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
SWAGGER_ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon.png"})
"""The Swagger UI files that ``/docs`` loads (nothing else of that directory is served)."""


def create_web_app(ctx: WebContext) -> FastAPI:
    """Build the app for a running pipeline."""
    app = FastAPI(
        title="sociallisten",
        version=__version__,
        description="Social listening for Chinese social media: live mentions, alerts and the service desk.",
        docs_url=None,
        redoc_url=None,
    )
    web = ctx.settings.web
    app.state.ctx = ctx
    app.state.tokens = parse_tokens(web.api_tokens.get_secret_value() if web.api_tokens else None)
    secret = web.web_ticket_secret
    app.state.tickets = TicketSigner(secret.get_secret_value() if secret else None)
    app.state.auth_failures = FailureLimiter(web.web_auth_failures, web.web_auth_window_seconds)
    app.add_middleware(BodyLimit, max_bytes=web.web_max_body_bytes)
    app.add_middleware(SecurityHeaders)  # added last but one, so outside the rest: the 413s carry the headers too
    app.add_middleware(LinkRedirects, ctx=ctx)  # /l/{code} first of all, on its shortest path
    users_file = web.users_file
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

    @app.get("/docs", include_in_schema=False)
    async def docs() -> FileResponse:
        return FileResponse(STATIC / "docs.html")

    @app.get("/docs/assets/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> FileResponse:
        if name not in SWAGGER_ASSETS:
            raise HTTPException(status_code=404, detail="no such file")
        return FileResponse(SWAGGER_DIR / name)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _always_ready() -> dict[str, Any]:
    return {"ready": True, "checks": {}, "reasons": []}
