"""Optional alert webhook (``SOCIALLISTEN_ALERT_WEBHOOK``): each alert as a JSON POST, retried with backoff."""

from __future__ import annotations

import logging
from urllib.parse import quote

import httpx

from pipeline.errors import Transient
from pipeline.monitor.models import Alert
from pipeline.retry import RetryPolicy

log = logging.getLogger(__name__)


class WebhookFailed(Transient):
    """The endpoint did not take the alert (no answer, or not 2xx); worth posting again."""


class Webhook:
    """Posts alerts to one URL; a failing endpoint never blocks alerting for long (a few attempts)."""

    def __init__(self, url: str, *, attempts: int = 3, timeout: float = 5.0, first_seconds: float = 0.5) -> None:
        self.url = url
        self.timeout = timeout
        self.retry = RetryPolicy(first_seconds=first_seconds, max_seconds=4 * first_seconds, attempts=attempts)
        self.sent = 0
        self.failed = 0

    async def post(self, alert: Alert) -> bool:
        """POST the alert; True when the endpoint answered 2xx within the attempts."""
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            try:
                await self.retry.call(f"alert webhook {self.url}", self._post_once, client, alert)
            except WebhookFailed as exc:
                log.warning("alert %s not delivered to the webhook: %s", alert.alert_id, exc)
                self.failed += 1
                return False
        self.sent += 1
        return True

    async def _post_once(self, client: httpx.AsyncClient, alert: Alert) -> None:
        try:
            resp = await client.post(
                self.url, content=alert.model_dump_json(),
                headers={"Content-Type": "application/json", "X-Sociallisten-Alert": quote(alert.alert_id, safe="")},
            )
        except (httpx.HTTPError, OSError, ValueError) as exc:
            raise WebhookFailed(f"{type(exc).__name__}: {exc}") from exc
        if not resp.is_success:
            raise WebhookFailed(f"the endpoint answered {resp.status_code}")
