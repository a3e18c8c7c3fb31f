"""What the web layer needs from the running worker, in one typed object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from starlette.requests import Request  # FastAPI's Request (the web app's modules load only when serving)

from pipeline.config import Settings
from pipeline.desk.agent import CaseDesk
from pipeline.hub import Hubs
from pipeline.kafka.topics import Topics
from pipeline.metrics import Metrics
from pipeline.monitor.live import LiveFeed
from pipeline.storage import ClickHouse
from pipeline.storage.access import RunBlocking, StorageAccess
from pipeline.tracking.outbox import Outbox

ReadinessAnswer = Callable[[], dict[str, Any]]
"""Returns ``{"ready": bool, "reasons": [...], ...}``: the body of ``/readyz``."""


@dataclass
class WebContext:
    """Shared by every route module: settings, storage, the live hubs and the features in this worker."""

    settings: Settings
    storage: StorageAccess
    hubs: Hubs = field(default_factory=Hubs)
    live: LiveFeed | None = None
    """The live feed, when monitoring runs in this worker."""
    desk: CaseDesk | None = None
    """The service desk, when its case agent runs in this worker."""
    metrics: Metrics | None = None
    """This process's metrics, served at ``/metrics``."""
    readiness: ReadinessAnswer | None = None
    """What ``/readyz`` answers."""
    outbox: Outbox | None = None
    """Where clicks, visits and orders go to Kafka (None: they are not recorded)."""
    topics: Topics | None = None
    """The project's topics (for the tracking events)."""

    @property
    def ch(self) -> ClickHouse:
        """The database."""
        return self.storage.ch

    @property
    def run_blocking(self) -> RunBlocking:
        """Run a blocking storage call on the storage thread: ``await ctx.run_blocking(fn, *args)``."""
        return self.storage.run_blocking


def context(request: Request) -> WebContext:
    """The context of the app serving ``request`` (set by :func:`pipeline.web.app.create_web_app`)."""
    return cast(WebContext, request.app.state.ctx)
