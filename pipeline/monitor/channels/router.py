"""Routing alerts to the team's channels: at most one message per alert and channel, counted in /metrics.

The ``alerts`` table is the outbox. On the leader, :class:`AlertOutbox` reads the alerts fired in
the last ``SOCIALLISTEN_ALERT_DELIVERY_MAX_AGE_MINUTES`` and hands them to :class:`AlertRouter`,
which sends each to the channels its routes name, unless the ledger (``alert_deliveries``) already
has the pair. So an alert recorded just before a leader died is sent by the next leader, and a
replayed or re-polled alert is not sent twice. A pair is written as ``sending`` before its first
try: a process that dies mid-send leaves it ``sending`` and nobody sends it again (at most once per
channel; such a pair is logged as of unknown outcome by the next leader).

Each message is tried under the project's retry policy (``pipeline.retry``): refusals
(``errcode``/``code`` != 0, HTTP 429/5xx, no connection) are tried again with backoff up to the
channel's ``attempts`` and ``deadline``; an answer that may mean the message arrived is never
tried again. Outcomes are counted in ``sociallisten_alert_deliveries_total{channel,outcome}``:
``sent``, ``failed``, ``unknown`` (may or may not have arrived) and ``deferred`` (held back by the
channel's rate limit until a later poll; once per alert).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any, TypeVar

from pipeline.metrics import Metrics
from pipeline.monitor.alerts import recent_alerts
from pipeline.monitor.channels.base import Channel, DeliveryFailed, DeliveryUncertain
from pipeline.monitor.channels.config import VENDOR_RATE_PER_MINUTE, ChannelsFile, ChannelSpec
from pipeline.monitor.channels.dingtalk import DingTalk
from pipeline.monitor.channels.email import Email
from pipeline.monitor.channels.feishu import Feishu
from pipeline.monitor.channels.ledger import ClickHouseLedger, Ledger
from pipeline.monitor.channels.webhook import JsonWebhook
from pipeline.monitor.channels.wecom import WeCom
from pipeline.monitor.models import Alert
from pipeline.retry import RetryPolicy
from pipeline.storage import ClickHouse
from pipeline.storage.access import RunBlocking

log = logging.getLogger(__name__)

T = TypeVar("T")
REMEMBERED_MAX = 10_000
"""(alert, channel) pairs known done in memory; older ones are read from the ledger again if needed."""


def build(name: str, spec: ChannelSpec) -> Channel:
    """The channel of ``spec``."""
    makers: dict[str, Callable[[str, Any], Channel]] = {
        "dingtalk": DingTalk, "wecom": WeCom, "feishu": Feishu, "email": Email, "webhook": JsonWebhook,
    }
    return makers[spec.type](name, spec)


class RateWindow:
    """At most ``per_minute`` messages in any 60 seconds."""

    def __init__(self, per_minute: int | None, clock: Callable[[], float] = time.monotonic) -> None:
        """No limit when ``per_minute`` is None."""
        self.per_minute = per_minute
        self.clock = clock
        self.sent: deque[float] = deque()

    def allows(self) -> bool:
        """Whether one more message fits now."""
        if self.per_minute is None:
            return True
        now = self.clock()
        while self.sent and now - self.sent[0] >= 60.0:
            self.sent.popleft()
        return len(self.sent) < self.per_minute

    def count(self) -> None:
        """One message (a try) went out now."""
        self.sent.append(self.clock())


async def _direct(fn: Callable[..., T], *args: Any) -> T:
    return fn(*args)


class AlertRouter:
    """Sends alerts to the channels their routes name, once per alert and channel."""

    def __init__(self, config: ChannelsFile, ledger: Ledger, metrics: Metrics, *,
                 run_blocking: RunBlocking | None = None, first_seconds: float = 0.5) -> None:
        """Channels from ``config``; ledger calls through ``run_blocking`` (directly when None)."""
        self.config = config
        self.ledger = ledger
        self.metrics = metrics
        self.run_blocking: Callable[..., Any] = run_blocking or _direct
        self.first_seconds = first_seconds
        self.channels = {name: build(name, spec) for name, spec in config.channels.items()}
        self.windows = {
            name: RateWindow(spec.rate_per_minute or VENDOR_RATE_PER_MINUTE.get(spec.type))
            for name, spec in config.channels.items()
        }
        self.done: dict[tuple[str, str], None] = {}
        self.deferred: set[tuple[str, str]] = set()
        self._one_at_a_time = asyncio.Lock()

    async def deliver(self, alerts: Sequence[Alert]) -> None:
        """Send every alert to each of its channels that has not had it yet (one call at a time)."""
        async with self._one_at_a_time:
            await self._deliver(alerts)

    async def _deliver(self, alerts: Sequence[Alert]) -> None:
        pairs = [(a, c) for a in alerts for c in self.config.targets(a.brand, a.signal, a.severity)
                 if (a.alert_id, c) not in self.done]
        if not pairs:
            return
        states = await self.run_blocking(self.ledger.states, {a.alert_id for a, _ in pairs})
        for key, state in states.items():
            if state == "sending" and key not in self.done:
                log.warning("alert %s to channel %s: a previous leader stopped while sending it; its outcome is "
                            "unknown and it is not sent again", key[0], key[1],
                            extra={"alert_id": key[0], "channel": key[1]})
            self._remember(key)
        by_channel: dict[str, list[Alert]] = {}
        for alert, name in pairs:
            if (alert.alert_id, name) not in self.done:
                by_channel.setdefault(name, []).append(alert)
        await asyncio.gather(*(self._deliver_to(name, todo) for name, todo in by_channel.items()))

    def _remember(self, key: tuple[str, str]) -> None:
        self.done[key] = None
        if len(self.done) > REMEMBERED_MAX:
            for old in list(islice(self.done, len(self.done) - REMEMBERED_MAX)):
                del self.done[old]

    async def _deliver_to(self, name: str, alerts: list[Alert]) -> None:
        for alert in alerts:
            if not self.windows[name].allows():
                if (alert.alert_id, name) not in self.deferred:
                    self.deferred.add((alert.alert_id, name))
                    self.metrics.alert_deliveries.labels(channel=name, outcome="deferred").inc()
                    log.warning("alert %s to channel %s held back: the channel's limit of %s messages a minute "
                                "is reached; sent at a later poll", alert.alert_id, name,
                                self.windows[name].per_minute, extra={"alert_id": alert.alert_id, "channel": name})
                continue
            try:
                await self._deliver_one(self.channels[name], alert)
            except Exception:  # the ledger (ClickHouse) failed: before the send, the next poll tries again
                log.exception("alert %s to channel %s: alert_deliveries could not be written", alert.alert_id, name)

    async def _deliver_one(self, channel: Channel, alert: Alert) -> None:
        key = (alert.alert_id, channel.name)
        spec = self.config.channels[channel.name]
        await self.run_blocking(self.ledger.mark, alert.alert_id, channel.name, "sending")
        self._remember(key)
        self.deferred.discard(key)
        tries = 0

        async def attempt() -> None:
            nonlocal tries
            tries += 1
            self.windows[channel.name].count()
            await channel.send(alert)

        policy = RetryPolicy(first_seconds=self.first_seconds, max_seconds=8 * self.first_seconds,
                             attempts=spec.attempts)
        state, detail = "sent", ""
        try:
            await asyncio.wait_for(policy.call(f"alert {alert.alert_id} to channel {channel.name}", attempt),
                                   spec.deadline)
        except DeliveryUncertain as exc:
            state, detail = "unknown", str(exc)
        except DeliveryFailed as exc:
            state, detail = "failed", str(exc)
        except TimeoutError:
            state, detail = "unknown", f"no answer within the deadline of {spec.deadline:g} s"
        except Exception as exc:  # a fault of ours while sending: it may have left; never sent twice
            log.exception("alert %s to channel %s: unexpected error while sending", alert.alert_id, channel.name)
            state, detail = "unknown", type(exc).__name__
        detail = channel.scrub(detail)
        self.metrics.alert_deliveries.labels(channel=channel.name, outcome=state).inc()
        extra = {"alert_id": alert.alert_id, "channel": channel.name, "outcome": state, "attempts": tries}
        if state == "sent":
            log.info("alert %s sent to channel %s (%s) in %d attempt(s)", alert.alert_id, channel.name,
                     channel.kind, tries, extra=extra)
        else:
            log.warning("alert %s not delivered to channel %s (%s) after %d attempt(s): %s: %s", alert.alert_id,
                        channel.name, channel.kind, tries, state, detail, extra=extra)
        await self.run_blocking(self.ledger.mark, alert.alert_id, channel.name, state, tries, detail)


def outbox_for(config: ChannelsFile, ch: ClickHouse, run_blocking: RunBlocking, metrics: Metrics,
               max_age_minutes: float) -> AlertOutbox:
    """The outbox of a worker: alerts from ``ch``, the ledger in ``ch``, counted in ``metrics``."""
    router = AlertRouter(config, ClickHouseLedger(ch), metrics, run_blocking=run_blocking)
    return AlertOutbox(ch, run_blocking, router, max_age_minutes)


class AlertOutbox:
    """On the leader: the recent alerts from ClickHouse, handed to the router (a timer calls :meth:`poll`)."""

    def __init__(self, ch: ClickHouse, run_blocking: RunBlocking, router: AlertRouter, max_age_minutes: float) -> None:
        """Read ``ch`` through ``run_blocking``; alerts older than ``max_age_minutes`` are not sent."""
        self.ch = ch
        self.run_blocking = run_blocking
        self.router = router
        self.max_age = timedelta(minutes=max_age_minutes)

    async def poll(self) -> None:
        """Deliver what is due; a failure is logged and the next poll tries again."""
        try:
            found = await self.run_blocking(recent_alerts, self.ch, since=datetime.now(UTC) - self.max_age, limit=500)
            await self.router.deliver(sorted(found, key=lambda a: (a.fired_at, a.alert_id)))
        except Exception:
            log.exception("alert delivery failed; retrying at the next poll")
