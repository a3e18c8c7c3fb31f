"""Plug monitoring into a pipeline: one batch listener, three timers, the web services.

``attach_monitoring(pipeline, settings)`` must be called after ``create_pipeline`` built the
app and before the worker starts (it registers Faust timers). It is idempotent.

- batch listener (every worker, for its partitions): publish to the live feed, refresh the cascades
  the batch touched (``audience_events`` and ``cascade_nodes`` are written by ClickHouse views of
  ``mentions``, migration 006);
- spike check (``app.timer(..., on_leader=True)``: one worker in the group): detect from the exact
  rollups, send to the alerts topic and the webhook, then record in ClickHouse (at-least-once:
  a failover between the two re-sends the same ``alert_id``);
- alert relay (every worker): picks new alerts up from ClickHouse for its live page, so a page
  served by any worker shows every alert;
- cascade refresh (every worker): writes the deferred metrics of large cascades that are due,
  also when no batch touches them (``cascade_store``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pipeline.config import Settings
from pipeline.monitor.alerts import AlertEngine, recent_alerts
from pipeline.monitor.cascade_store import CascadeTracker
from pipeline.monitor.config import MonitorSettings
from pipeline.monitor.live import LiveFeed
from pipeline.monitor.models import Alert
from pipeline.monitor.webhook import Webhook
from pipeline.worker.enrich import BatchResult

if TYPE_CHECKING:
    from pipeline.worker.app import Pipeline

log = logging.getLogger(__name__)
CASCADE_REFRESH_SECONDS = 5.0
"""How often deferred cascade metrics (large cascades, see ``cascade_store``) are checked."""



@dataclass
class Monitoring:
    """The monitoring services of one worker."""

    settings: MonitorSettings
    live: LiveFeed
    engine: AlertEngine
    cascades: CascadeTracker
    webhook: Webhook | None
    relayed: set[str] = field(default_factory=set)
    checks: int = 0


def attach_monitoring(pipeline: Pipeline, settings: Settings, monitor: MonitorSettings | None = None) -> Monitoring:
    """Register the listener, the timers and the web services of monitoring on ``pipeline``."""
    ctx = pipeline.web
    existing = ctx.services.get("monitoring")
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    ms = monitor or MonitorSettings()
    live = LiveFeed(ctx.mentions, buffer=ms.live_buffer, counter_minutes=ms.live_counter_minutes)
    mon = Monitoring(
        settings=ms, live=live, engine=AlertEngine(ctx.ch, ms), cascades=CascadeTracker(ctx.ch),
        webhook=Webhook(ms.alert_webhook) if ms.alert_webhook else None,
    )
    ctx.services["monitoring"] = mon
    ctx.services["live"] = live
    alerts_topic = pipeline.app.topic(pipeline.topics.alerts, key_serializer="raw", value_serializer="raw")

    async def monitor_batch(result: BatchResult) -> None:
        """Live feed first (latency), then the cascade metrics (idempotent)."""
        if not result.enriched:
            return
        live.publish_batch(result.enriched)
        if ms.cascades_enabled:
            await ctx.run_blocking(mon.cascades.update, result.enriched)

    pipeline.listeners.append(monitor_batch)

    @pipeline.app.on_partitions_revoked.connect  # type: ignore[misc,arg-type]
    async def forget_cascades(app: object, revoked: object, **kwargs: object) -> None:
        """Cached cascades may move to another worker: write what is deferred, then read them back
        from storage next time (on the storage thread, like every other use of the tracker)."""

        def flush_and_forget() -> None:
            try:
                mon.cascades.refresh_due(everything=True)
            except Exception:
                log.exception("could not write deferred cascade metrics before a rebalance; "
                              "they are written when the cascade is next touched")
            mon.cascades.forget()

        await ctx.run_blocking(flush_and_forget)

    if ms.cascades_enabled:

        @pipeline.app.timer(CASCADE_REFRESH_SECONDS, name="sociallisten.refresh_cascades")  # type: ignore[untyped-decorator]
        async def refresh_cascades() -> None:
            """Deferred metrics of large cascades, also while no batch touches them."""
            try:
                await ctx.run_blocking(mon.cascades.refresh_due)
            except Exception:
                log.exception("deferred cascade refresh failed; retrying at the next tick")

    async def publish_alert(alert: Alert) -> None:
        fut = await alerts_topic.send(key=alert.alert_id.encode(), value=alert.model_dump_json().encode())
        await fut
        if mon.webhook is not None:
            await mon.webhook.post(alert)

    @pipeline.app.timer(ms.alert_check_seconds, on_leader=True, name="sociallisten.check_spikes")  # type: ignore[untyped-decorator]
    async def check_spikes() -> None:
        mon.checks += 1
        try:
            alerts = await ctx.run_blocking(mon.engine.detect)
            for alert in alerts:
                log.warning("ALERT %s", alert.explanation)
                await publish_alert(alert)
            if alerts:
                await ctx.run_blocking(mon.engine.record, alerts)
                _relay(alerts)
        except Exception:
            log.exception("spike check failed; retrying at the next tick")

    started = datetime.now(UTC) - timedelta(minutes=1)

    def _relay(alerts: list[Alert]) -> None:
        for alert in alerts:
            if alert.alert_id not in mon.relayed:
                mon.relayed.add(alert.alert_id)
                ctx.alerts.publish(alert)

    @pipeline.app.timer(ms.alert_poll_seconds, name="sociallisten.relay_alerts")  # type: ignore[untyped-decorator]
    async def relay_alerts() -> None:
        since = max(started, datetime.now(UTC) - timedelta(minutes=10))
        try:
            found = await ctx.run_blocking(lambda: recent_alerts(ctx.ch, since=since, limit=200))
        except Exception:
            log.exception("alert relay failed; retrying")
            return
        _relay(sorted(found, key=lambda a: (a.fired_at, a.alert_id)))
        if len(mon.relayed) > 10_000:
            mon.relayed.clear()

    log.info("monitoring attached (alert window %d min, k=%.1f, min %d, cooldown %.0f min; started %d)",
             ms.alert_window_minutes, ms.alert_k, ms.alert_min_count, ms.alert_cooldown_minutes, int(time.time()))
    return mon
