"""Serve the web app with uvicorn inside the worker's event loop."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

log = logging.getLogger(__name__)


async def serve(app: FastAPI, host: str, port: int,
                what: str = "web service (API under /api/, OpenAPI at /openapi.json)") -> None:
    """Run until cancelled (the worker stops its tasks on shutdown)."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
    server = _QuietServer(config)
    log.info("%s on http://%s:%d/", what, host, port)
    await server.serve()


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the Faust worker that hosts it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
