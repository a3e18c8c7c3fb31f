"""The composition root: one place builds the worker, monitoring, the service desk and the web service.

``sociallisten worker``, ``sociallisten demo`` and the benchmark's worker all call
:func:`assemble` with one settings object; features are switched on and off by settings
(``SOCIALLISTEN_DESK_ENABLED``) and by the caller's options (``web``), never by wiring of their own.

Each feature gets only what it needs of the worker (:class:`~pipeline.worker.features.WorkerPorts`);
the web service gets a :class:`~pipeline.web.context.WebContext` with the features that run here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.config import Settings
from pipeline.desk.agent import Desk, install_desk
from pipeline.hub import Hubs
from pipeline.kafka.membership import resolve as resolve_membership
from pipeline.kafka.security import aiokafka_options
from pipeline.kafka.topics import bootstrap_servers
from pipeline.monitor.events import EventClustering
from pipeline.monitor.live_topic import LiveTopicReader
from pipeline.monitor.wiring import Monitoring
from pipeline.records import BatchListener
from pipeline.storage import ClickHouse
from pipeline.tracking.outbox import Outbox
from pipeline.web.context import WebContext
from pipeline.worker.app import Worker
from pipeline.worker.health import HealthProbe

log = logging.getLogger(__name__)


@dataclass
class Application:
    """A worker with its features, ready to run."""

    settings: Settings
    bootstrap: str
    worker: Worker
    hubs: Hubs
    monitoring: Monitoring
    desk: Desk | None
    web: WebContext

    def serve_web(self, host: str | None = None, port: int | None = None) -> None:
        """Also serve the API and web pages from this worker process (default: the web settings)."""
        from pipeline.web.app import create_web_app  # the web tier's libraries load only in a process that serves
        from pipeline.web.server import serve

        web_app = create_web_app(self.web)
        host = host or self.settings.web.web_host
        port = port or self.settings.web.web_port

        async def web_service() -> None:
            await serve(web_app, host, port)

        self.worker.ports.on_start(web_service)
        if self.settings.monitor.live_topic_enabled:  # every worker's mentions on this process's live pages
            reader = LiveTopicReader(bootstrap_servers(self.bootstrap), self.worker.topics.live,
                                     self.monitoring.live.publish_live, aiokafka_options(self.settings.kafka),
                                     deliver_case=self.hubs.cases.publish)
            self.worker.ports.on_start(reader.run)

    def serve_ops(self, host: str, port: int) -> None:
        """Serve ``/healthz``, ``/readyz`` and ``/metrics`` on their own port (``SOCIALLISTEN_OPS_PORT``)."""
        from pipeline.web.ops import create_ops_app
        from pipeline.web.server import serve

        ops_app = create_ops_app(self.worker.metrics, self.web.readiness or (lambda: {"ready": True}))

        async def ops_service() -> None:
            await serve(ops_app, host, port, what="operations endpoints (/healthz, /readyz, /metrics)")

        self.worker.ports.on_start(ops_service)

    def run(self, *, until: Callable[[], Awaitable[Any]] | None = None) -> int:
        """Run until stopped (signal) or until ``until()`` returns; the process exit code."""
        return self.worker.run(until=until)


def assemble(
    settings: Settings, bootstrap: str, ch: ClickHouse, *, web: bool = False,
    listeners: Sequence[BatchListener] = (),
) -> Application:
    """Build the application for the broker at ``bootstrap`` and the database ``ch``.

    ``listeners`` see every stored batch first, before the features' own (the benchmark's timing probe);
    ``web`` also serves the API and pages on ``SOCIALLISTEN_WEB_HOST:SOCIALLISTEN_WEB_PORT``.
    """
    kafka = resolve_membership(bootstrap, settings.kafka)  # static membership only where the broker has it
    if kafka is not settings.kafka:
        settings = settings.model_copy(update={"kafka": kafka})
    worker = Worker(settings, bootstrap, ch)
    ports = worker.ports
    for listener in listeners:
        ports.add_listener(listener)
    hubs = Hubs()
    monitoring = Monitoring(ports, settings.monitor, settings.alerts, mentions=hubs.mentions,
                            alert_hub=hubs.alerts).install()
    if settings.monitor.events_enabled:
        EventClustering(ports, settings.monitor).install()
    desk = None
    if settings.desk.desk_enabled:
        desk = install_desk(ports, settings.desk, partitions=settings.kafka.partitions, cases=hubs.cases,
                            data_dir=settings.data_dir)
    serving = web or settings.web.ops_port is not None  # nobody asks for readiness otherwise: no probes
    health = HealthProbe(ports, bootstrap, settings.kafka).install() if serving else None
    outbox = Outbox(bootstrap, client_options=aiokafka_options(settings.kafka)) if web else None
    context = WebContext(settings=settings, storage=ports.storage, hubs=hubs, live=monitoring.live, desk=desk,
                         metrics=ports.metrics, readiness=health.readiness.answer if health else None,
                         outbox=outbox, topics=worker.topics)
    app = Application(settings, bootstrap, worker, hubs, monitoring, desk, context)
    if web:
        app.serve_web()
    if settings.web.ops_port is not None:
        app.serve_ops(settings.web.ops_host, settings.web.ops_port)
    return app
