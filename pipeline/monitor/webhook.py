"""Optional alert webhook (``SOCIALLISTEN_ALERT_WEBHOOK``): each alert as a JSON POST, retried with backoff."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import quote, urlsplit

import httpx

from pipeline.errors import Transient
from pipeline.monitor.models import Alert
from pipeline.retry import RetryPolicy

log = logging.getLogger(__name__)


class WebhookFailed(Transient):
    """The endpoint did not take the alert (no answer, or not 2xx); worth posting again."""


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: what logs may show of a webhook (its path or query may be a secret)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unparseable URL>"
    return f"{parts.scheme or '?'}://{host}{port}"


class Webhook:
    """Posts alerts to one URL; a failing endpoint never blocks alerting for long (a few attempts, one deadline).

    The URL may carry a secret (Slack-style tokens in the path, keys in the query, a password), so
    logs and errors name only its :func:`origin`.
    """

    def __init__(self, url: str, *, attempts: int = 3, timeout: float = 5.0, first_seconds: float = 0.5,
                 deadline: float = 20.0) -> None:
        """Post to ``url``: ``attempts`` tries of ``timeout`` seconds each, all within ``deadline`` seconds."""
        self.url = url
        self.where = origin(url)
        self.timeout = timeout
        self.deadline = deadline
        self.retry = RetryPolicy(first_seconds=first_seconds, max_seconds=4 * first_seconds, attempts=attempts)
        self.sent = 0
        self.failed = 0
        parts = urlsplit(url) if self.where != "<unparseable URL>" else None
        secret_parts = [url] + ([parts.netloc, parts.path, parts.query, parts.fragment] if parts else [])
        self._secrets = sorted({p for p in secret_parts if len(p) > 1}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """``text`` with the webhook's URL, path, query and credentials replaced by its origin or ``***``."""
        text = text.replace(self.url, self.where)
        for part in self._secrets:
            text = text.replace(part, "***")
        return text

    async def post(self, alert: Alert) -> bool:
        """POST the alert; True when the endpoint answered 2xx within the attempts and the deadline."""
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            try:
                await asyncio.wait_for(
                    self.retry.call(f"alert webhook {self.where}", self._post_once, client, alert), self.deadline)
            except (WebhookFailed, TimeoutError) as exc:
                reason = str(exc) if isinstance(exc, WebhookFailed) else f"no answer within {self.deadline:g} s"
                log.warning("alert %s not delivered to the webhook at %s: %s", alert.alert_id, self.where, reason)
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
            raise WebhookFailed(f"{type(exc).__name__}: {self.scrub(str(exc))}") from None
        if not resp.is_success:
            raise WebhookFailed(f"the endpoint answered {resp.status_code}")
