"""The web tier (``sociallisten serve``): the API, ``/desk``, ``/live`` and SSE, owning no partitions.

Several can run behind a load balancer while the workers scale separately. Each one:

- follows the live topic (every worker's stored mentions, every case change) into its own live feed
  and hubs, so its streams show everything whichever worker stored it;
- polls ClickHouse for recorded alerts (:class:`~pipeline.monitor.relay.AlertRelay`);
- sends desk commands to the case agents in the workers through a client-only Faust app (the agent
  that owns a case stays its single writer) and reads everything else from ClickHouse;
- answers ``/healthz``, ``/readyz`` (ClickHouse and Kafka probed every 2 s) and ``/metrics``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import faust

from pipeline.config import Settings
from pipeline.desk.agent import DeskClient, refresh_case_metrics
from pipeline.hub import Hubs
from pipeline.kafka.security import aiokafka_options, faust_credentials
from pipeline.kafka.topics import Topics, bootstrap_servers
from pipeline.metrics import Metrics
from pipeline.monitor.live import LiveFeed
from pipeline.monitor.live_topic import LiveTopicReader
from pipeline.monitor.relay import AlertRelay
from pipeline.storage import ClickHouse
from pipeline.storage.access import StorageAccess
from pipeline.tracking.outbox import Outbox
from pipeline.web.app import create_web_app
from pipeline.web.context import WebContext
from pipeline.web.server import serve
from pipeline.worker.app import faust_broker_urls
from pipeline.worker.health import PROBE_SECONDS, Readiness, probe_clickhouse, probe_kafka

log = logging.getLogger(__name__)

DESK_METRICS_SECONDS = 15.0
"""How often the case counts of ``/metrics`` are read from ClickHouse."""

class WebTier:
    """One web process: its context for the routes, and the tasks that keep it current."""

    def __init__(self, settings: Settings, bootstrap: str, ch: ClickHouse) -> None:
        """The web tier for the brokers at ``bootstrap`` and the database ``ch`` (nothing starts yet).

        Build it inside the event loop that runs it: its Faust app binds to the running loop.
        """
        self.settings = settings
        self.bootstrap = bootstrap_servers(bootstrap)
        self.topics = Topics.from_settings(settings)
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="clickhouse")
        self.hubs = Hubs()
        self.readiness = Readiness(checks={"clickhouse": "not probed yet", "kafka": "not probed yet"})
        self.live = LiveFeed(self.hubs.mentions, buffer=settings.monitor.live_buffer,
                             counter_minutes=settings.monitor.live_counter_minutes)
        faust_dir = settings.data_dir / "faust-web"
        faust_dir.mkdir(parents=True, exist_ok=True)  # Faust creates only the last level
        self.client_app = faust.App(
            settings.kafka.app_id, broker=faust_broker_urls(bootstrap), broker_credentials=faust_credentials(
                settings.kafka), store="memory://", datadir=str(faust_dir), autodiscover=False,
            web_enabled=False, producer_request_timeout=settings.kafka.produce_timeout)
        self.desk = DeskClient(self.client_app, self.topics.cases, settings.desk, partitions=settings.kafka.partitions)
        self.storage = StorageAccess(ch, self.run_blocking)
        self.outbox = Outbox(self.bootstrap, client_options=aiokafka_options(settings.kafka))
        self.context = WebContext(settings=settings, storage=self.storage, hubs=self.hubs, live=self.live,
                                  desk=self.desk, metrics=Metrics(), readiness=self.readiness.answer,
                                  outbox=self.outbox, topics=self.topics)

    async def run_blocking(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        """Run a blocking ClickHouse call on the web tier's storage threads."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    async def run(self) -> None:
        """Serve until cancelled (SIGTERM, SIGINT)."""
        kafka = self.settings.kafka
        reader = LiveTopicReader(self.bootstrap, self.topics.live, self.live.publish_live, aiokafka_options(kafka),
                                 deliver_case=self.hubs.cases.publish)
        relay = AlertRelay(self.storage.ch, self.storage.run_blocking, self.hubs.alerts)
        web = self.settings.web
        await self.client_app.start_client()
        tasks = [serve(create_web_app(self.context), web.web_host, web.web_port), reader.run(),
                 self._every(self.settings.alerts.alert_poll_seconds, relay.poll),
                 self._every(PROBE_SECONDS, self._probe), self._every(DESK_METRICS_SECONDS, self._desk_metrics)]
        try:
            await asyncio.gather(*tasks)
        finally:
            await self.outbox.close()  # the clicks, visits and orders still queued
            await self.client_app.stop()
            self._executor.shutdown(wait=False, cancel_futures=True)

    async def _desk_metrics(self) -> None:
        assert self.context.metrics is not None
        await refresh_case_metrics(self.context.metrics, self.storage)

    async def _probe(self) -> None:
        checks = self.readiness.checks
        checks["clickhouse"] = await probe_clickhouse(self.storage.ch)
        checks["kafka"] = await probe_kafka(self.bootstrap, aiokafka_options(self.settings.kafka))

    @staticmethod
    async def _every(seconds: float, job: Any) -> None:
        while True:
            await job()
            await asyncio.sleep(seconds)


def run_web_tier(settings: Settings, bootstrap: str, ch: ClickHouse) -> int:
    """Run the web tier in this process until SIGTERM or SIGINT; the exit code."""

    async def main() -> None:
        tier = WebTier(settings, bootstrap, ch)  # inside the loop: Faust's services bind to the running loop
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel if task else (lambda: None))
        try:
            await tier.run()
        except asyncio.CancelledError:
            log.info("web tier stopped")

    asyncio.run(main())
    return 0
