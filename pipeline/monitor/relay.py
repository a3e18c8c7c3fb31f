"""Alerts for the live pages of every process: new alerts picked up from ClickHouse and published to a hub.

The spike check runs on one worker of the group; it records each alert in ClickHouse. Every process
that serves live pages (each worker, the web tier) polls the recent alerts and publishes the ones it
has not published yet, so a page served by any process shows every alert.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from itertools import islice

from pipeline.hub import Hub
from pipeline.monitor.alerts import recent_alerts
from pipeline.monitor.models import Alert
from pipeline.storage import ClickHouse
from pipeline.storage.access import RunBlocking

log = logging.getLogger(__name__)

RELAYED_MAX = 10_000
"""Alert ids remembered; beyond that the oldest are forgotten (long out of the 10-minute poll window)."""


class AlertRelay:
    """Publishes each alert once to ``hub``: those fired here at once, the others when polled."""

    def __init__(self, ch: ClickHouse, run_blocking: RunBlocking, hub: Hub) -> None:
        """Poll ``ch`` through ``run_blocking``; publish to ``hub``."""
        self.ch = ch
        self.run_blocking = run_blocking
        self.hub = hub
        self.relayed: dict[str, None] = {}
        """Ids published, oldest first (a dict: ordered, with set lookups)."""
        self.started = datetime.now(UTC) - timedelta(minutes=1)

    async def poll(self) -> None:
        """Publish the alerts recorded since the last poll (at most the last 10 minutes)."""
        since = max(self.started, datetime.now(UTC) - timedelta(minutes=10))
        try:
            found = await self.run_blocking(recent_alerts, self.ch, since=since, limit=200)
        except Exception:
            log.exception("alert relay failed; retrying")
            return
        self.relay(sorted(found, key=lambda a: (a.fired_at, a.alert_id)))

    def relay(self, alerts: list[Alert]) -> None:
        """Publish the alerts not published yet.

        At most :data:`RELAYED_MAX` ids are remembered: the oldest are forgotten first. Starting
        over instead would forget the alerts still in the poll window too, and the next poll would
        publish them again.
        """
        relayed = self.relayed
        for alert in alerts:
            if alert.alert_id not in relayed:
                relayed[alert.alert_id] = None
                self.hub.publish(alert)
        if len(relayed) > RELAYED_MAX:
            for old in list(islice(relayed, len(relayed) - RELAYED_MAX)):
                del relayed[old]
