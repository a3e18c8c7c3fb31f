"""The generic JSON webhook as a routed channel: the alert's JSON, as ``SOCIALLISTEN_ALERT_WEBHOOK`` sends it.

Any 2xx answer is success (the body is not read); 429 and 5xx are refusals worth retrying.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from pipeline.monitor.channels.base import DeliveryFailed, DeliveryRefused, DeliveryUncertain, Scrubber
from pipeline.monitor.channels.config import WebhookChannel
from pipeline.monitor.models import Alert


class JsonWebhook:
    """Posts the alert as JSON to one URL."""

    kind = "webhook"

    def __init__(self, name: str, spec: WebhookChannel) -> None:
        """The endpoint at ``spec.url``."""
        self.name = name
        self.spec = spec
        self.url = spec.url.get_secret_value()
        self.scrub = Scrubber(self.url)

    async def send(self, alert: Alert) -> None:
        """One POST of the alert's JSON, with its id in ``X-Sociallisten-Alert`` (for the receiver's dedup)."""
        headers = {"Content-Type": "application/json", "X-Sociallisten-Alert": quote(alert.alert_id, safe="")}
        async with httpx.AsyncClient(timeout=self.spec.timeout) as client:
            try:
                resp = await client.post(self.url, content=alert.model_dump_json(), headers=headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                raise DeliveryRefused(f"{type(exc).__name__}: {self.scrub(str(exc))}") from None
            except (httpx.HTTPError, OSError, ValueError) as exc:
                raise DeliveryUncertain(f"{type(exc).__name__}: {self.scrub(str(exc))}") from None
        if resp.status_code == 429 or resp.status_code >= 500:
            raise DeliveryRefused(f"the endpoint answered HTTP {resp.status_code}")
        if not resp.is_success:
            raise DeliveryFailed(f"the endpoint answered HTTP {resp.status_code}")
