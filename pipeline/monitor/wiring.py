"""Monitoring inside a worker: one batch listener, three timers, and what the web pages read.

:meth:`Monitoring.install` plugs it into a worker through its :class:`WorkerPorts` (before the
worker starts; it registers Faust timers):

- batch listener (every worker, for its partitions): publish to the live feed, refresh the cascades
  the batch touched (``audience_events`` and ``cascade_nodes`` are written by ClickHouse views of
  ``mentions``, migration 006);
- spike check (on one worker of the group, the leader): detect from the exact rollups, send to the
  alerts topic and the webhook, then record in ClickHouse (at-least-once: a failover between the
  two re-sends the same ``alert_id``);
- alert delivery (the leader): sends recorded alerts to the channels of ``SOCIALLISTEN_ALERT_CHANNELS_FILE``
  (DingTalk, WeCom, Feishu, e-mail, webhooks), once per alert and channel (``pipeline.monitor.channels``);
- alert relay (every worker): picks new alerts up from ClickHouse for its live page, so a page
  served by any worker shows every alert;
- audience snapshot (the leader): recomputes the per-author quality and the daily composition the
  audience views read, every ``SOCIALLISTEN_AUDIENCE_REFRESH_SECONDS`` (``audience_snapshot``);
- cascade refresh (every worker): writes the deferred metrics of large cascades that are due,
  also when no batch touches them (``cascade_store``).

The cascade tracker runs on a thread of its own (one, so its uses stay in order), not on the
writer's: recomputing a large cascade no longer holds up the inserts and the reads that wait for
that thread. The storage calls are thread-safe (``pipeline.storage.backend``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from pipeline.config import AlertSettings, MonitorSettings
from pipeline.hub import Hub
from pipeline.kafka.send import send_acknowledged
from pipeline.monitor.alerts import AlertEngine
from pipeline.monitor.audience_snapshot import TICK_SECONDS, AudienceRefresher
from pipeline.monitor.cascade_store import CascadeTracker
from pipeline.monitor.channels.config import load_channels
from pipeline.monitor.channels.router import AlertOutbox, outbox_for
from pipeline.monitor.live import LiveFeed
from pipeline.monitor.live_topic import MENTIONS_KEY, encode
from pipeline.monitor.models import Alert
from pipeline.monitor.relay import AlertRelay
from pipeline.monitor.webhook import Webhook
from pipeline.records import BatchResult
from pipeline.worker.features import WorkerPorts

log = logging.getLogger(__name__)

T = TypeVar("T")

CASCADE_REFRESH_SECONDS = 5.0
"""How often deferred cascade metrics (large cascades, see ``cascade_store``) are checked."""


class Monitoring:
    """The monitoring services of one worker: live feed, spike alerts and cascade metrics."""

    def __init__(self, ports: WorkerPorts, monitor: MonitorSettings, alerts: AlertSettings, *, mentions: Hub,
                 alert_hub: Hub) -> None:
        """Monitoring for the worker behind ``ports``, publishing to the ``mentions`` and ``alert_hub`` hubs."""
        self.ports = ports
        self.settings = monitor
        self.alert_settings = alerts
        self.live = LiveFeed(mentions, buffer=monitor.live_buffer, counter_minutes=monitor.live_counter_minutes)
        self.engine = AlertEngine(ports.storage.ch, alerts)
        self.cascades = CascadeTracker(ports.storage.ch, max_cached_nodes=monitor.cascade_cache_nodes)
        self._cascade_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cascades")
        self.webhook = Webhook(alerts.alert_webhook.get_secret_value()) if alerts.alert_webhook else None
        self.audience = (AudienceRefresher(ports.storage.ch, monitor.audience_refresh_seconds)
                         if monitor.audience_refresh_seconds > 0 else None)
        self.relay = AlertRelay(ports.storage.ch, ports.storage.run_blocking, alert_hub)
        self.outbox: AlertOutbox | None = None
        if alerts.alert_channels_file is not None:
            self.outbox = outbox_for(load_channels(alerts.alert_channels_file), ports.storage.ch,
                                     ports.storage.run_blocking, ports.metrics, alerts.alert_delivery_max_age_minutes)
        self.checks = 0
        self._alerts_topic = ports.app.topic(ports.topics.alerts, key_serializer="raw", value_serializer="raw")
        self._live_topic = ports.app.topic(ports.topics.live, key_serializer="raw", value_serializer="raw")

    def install(self) -> Monitoring:
        """Register the listener and the timers on the worker."""
        ports, alerts = self.ports, self.alert_settings
        ports.add_listener(self.on_batch)
        ports.on_partitions_revoked(self.forget_cascades)
        if self.settings.cascades_enabled:
            ports.every(CASCADE_REFRESH_SECONDS, self.refresh_cascades, name="sociallisten.refresh_cascades")
        ports.every(alerts.alert_check_seconds, self.check_spikes, name="sociallisten.check_spikes", on_leader=True)
        ports.every(alerts.alert_poll_seconds, self.relay_alerts, name="sociallisten.relay_alerts")
        if self.audience is not None:
            ports.every(min(TICK_SECONDS, self.settings.audience_refresh_seconds), self.audience.tick,
                        name="sociallisten.refresh_audience", on_leader=True)
        if self.outbox is not None:
            ports.every(alerts.alert_poll_seconds, self.outbox.poll, name="sociallisten.deliver_alerts", on_leader=True)
        log.info("monitoring attached (alert window %d min, k=%.1f, min %d, cooldown %.0f min)",
                 alerts.alert_window_minutes, alerts.alert_k, alerts.alert_min_count, alerts.alert_cooldown_minutes)
        return self

    # ---- per batch ------------------------------------------------------------------------
    async def on_batch(self, result: BatchResult) -> None:
        """Live feed first (latency), then the cascade metrics (idempotent)."""
        if not result.enriched:
            return
        now = time.time()
        self.live.publish_batch(result.enriched, now)
        if self.settings.live_topic_enabled:
            for message in encode(result.enriched, now):
                await send_acknowledged(self._live_topic, MENTIONS_KEY, message)
        if self.settings.cascades_enabled:
            await self._on_cascade_thread(self.cascades.update, result.enriched)

    # ---- cascades ---------------------------------------------------------------------------
    async def _on_cascade_thread(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` on the tracker's own thread (every use of the tracker goes there, in order)."""
        return await asyncio.get_running_loop().run_in_executor(self._cascade_thread, fn, *args)

    async def forget_cascades(self, app: object, revoked: object, **kwargs: object) -> None:
        """Before a rebalance: write what is deferred, then read cached cascades back from storage next time.

        On the tracker's thread, like every other use of the tracker.
        """
        await self._on_cascade_thread(self._flush_and_forget)

    def _flush_and_forget(self) -> None:
        try:
            self.cascades.refresh_due(everything=True)
        except Exception:
            log.exception("could not write deferred cascade metrics before a rebalance; "
                          "they are written when the cascade is next touched")
        self.cascades.forget()

    async def refresh_cascades(self) -> None:
        """Deferred metrics of large cascades, also while no batch touches them."""
        try:
            await self._on_cascade_thread(self.cascades.refresh_due)
        except Exception:
            log.exception("deferred cascade refresh failed; retrying at the next tick")

    # ---- alerts -----------------------------------------------------------------------------
    async def check_spikes(self) -> None:
        """Detect spikes, publish each alert (topic, webhook), then record them (leader only)."""
        self.checks += 1
        run_blocking = self.ports.storage.run_blocking
        try:
            alerts = await run_blocking(self.engine.detect)
            for alert in alerts:
                log.warning("ALERT %s", alert.explanation)
                await self._publish(alert)
                self.ports.metrics.alerts.inc()
            if alerts:
                await run_blocking(self.engine.record, alerts)
                self.relay.relay(alerts)
        except Exception:
            log.exception("spike check failed; retrying at the next tick")

    async def _publish(self, alert: Alert) -> None:
        await send_acknowledged(self._alerts_topic, alert.alert_id.encode(), alert.model_dump_json().encode())
        if self.webhook is not None:
            await self.webhook.post(alert)

    async def relay_alerts(self) -> None:
        """Pick up alerts recorded by any worker for this worker's live page."""
        await self.relay.poll()
