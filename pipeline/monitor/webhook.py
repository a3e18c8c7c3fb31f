"""Optional alert webhook (``SOCIALLISTEN_ALERT_WEBHOOK``): each alert as a JSON POST, retried with backoff."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import quote

import httpx

from pipeline.monitor.models import Alert

log = logging.getLogger(__name__)


class Webhook:
    """Posts alerts to one URL; a failing endpoint never blocks alerting for long."""

    def __init__(self, url: str, *, attempts: int = 3, timeout: float = 5.0) -> None:
        self.url = url
        self.attempts = attempts
        self.timeout = timeout
        self.sent = 0
        self.failed = 0

    async def post(self, alert: Alert) -> bool:
        """POST the alert; True when the endpoint answered 2xx."""
        delay = 0.5
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            for attempt in range(1, self.attempts + 1):
                try:
                    resp = await client.post(
                        self.url, content=alert.model_dump_json(),
                        headers={"Content-Type": "application/json",
                                 "X-Sociallisten-Alert": quote(alert.alert_id, safe="")},
                    )
                    if resp.is_success:
                        self.sent += 1
                        return True
                    log.warning("alert webhook %s answered %d (attempt %d)", self.url, resp.status_code, attempt)
                except (httpx.HTTPError, OSError, ValueError) as exc:
                    log.warning("alert webhook %s failed: %s (attempt %d)", self.url, exc, attempt)
                if attempt < self.attempts:
                    await asyncio.sleep(delay)
                    delay *= 2
        self.failed += 1
        return False
