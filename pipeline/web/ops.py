"""Operations endpoints: ``GET /healthz``, ``GET /readyz`` and ``GET /metrics``.

They need no token and reveal no content: liveness, the reasons a process is not ready (which
service does not answer), and counters and durations in Prometheus' text format. A worker serves
them on ``SOCIALLISTEN_OPS_PORT``; the web service serves them on its own port as well.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response

from pipeline import __version__
from pipeline.metrics import CONTENT_TYPE, Metrics
from pipeline.web.context import ReadinessAnswer
from pipeline.web.guard import SecurityHeaders


def ops_router(metrics: Metrics, readiness: ReadinessAnswer) -> APIRouter:
    """The three endpoints for one process's metrics and readiness."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers, so its event loop turns."""
        return {"status": "ok", "version": __version__}

    @router.get("/readyz", responses={503: {"description": "not ready; the body names the reasons"}})
    async def readyz() -> JSONResponse:
        """Readiness: 200 when Kafka and ClickHouse answer (and a worker has its partitions), else 503 and why."""
        answer = readiness()
        return JSONResponse(answer, status_code=200 if answer.get("ready") else 503)

    @router.get("/metrics", response_class=Response)
    async def prometheus_metrics() -> Response:
        """Counters, gauges and histograms in Prometheus' text format."""
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    return router


def create_ops_app(metrics: Metrics, readiness: ReadinessAnswer) -> FastAPI:
    """A small app with the operations endpoints only (a worker's ops port)."""
    app = FastAPI(title="sociallisten worker operations", version=__version__, docs_url=None, redoc_url=None)
    app.include_router(ops_router(metrics, readiness))
    app.add_middleware(SecurityHeaders)
    return app
