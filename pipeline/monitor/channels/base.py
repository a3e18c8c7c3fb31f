"""What every channel shares: its failures, posting JSON, reading a vendor's answer, keeping secrets out of logs.

A failure says whether sending again could make a second message:

- :class:`DeliveryRefused` (Transient): the message was certainly not taken (no connection, HTTP 429
  or 5xx, or a vendor's ``errcode``/``code`` other than 0): the retry policy sends it again;
- :class:`DeliveryUncertain`: it may have arrived (the connection broke after the request was sent,
  or no answer in time): never sent again, so no alert reaches a channel twice;
- :class:`DeliveryFailed`: refused for good (HTTP 4xx: a wrong URL or key): not retried.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import orjson

from pipeline.errors import SocialListenError, Transient
from pipeline.monitor.models import Alert
from pipeline.monitor.webhook import origin


class DeliveryFailed(SocialListenError):
    """The channel did not take the message, for good."""


class DeliveryRefused(DeliveryFailed, Transient):
    """The channel certainly did not take the message; worth sending again."""


class DeliveryUncertain(DeliveryFailed):
    """The message may have reached the channel; sending it again could make a duplicate."""


class Channel(Protocol):
    """One configured place alerts are sent to."""

    name: str
    kind: str

    async def send(self, alert: Alert) -> None:
        """Send one message for ``alert``; raise a :class:`DeliveryFailed` when it was not taken."""
        ...

    def scrub(self, text: str) -> str:
        """``text`` without any of the channel's secrets (for logs)."""
        ...


class Scrubber:
    """Replaces a URL (and its path, query, credentials) and other secrets by ``***`` in log text."""

    def __init__(self, url: str | None, *secrets: str | None) -> None:
        """Hide ``url`` (showing only its origin) and every one of ``secrets``."""
        self.url = url
        self.where = origin(url) if url else ""
        parts: list[str] = [s for s in secrets if s]
        if url:
            split = urlsplit(url)
            parts += [url, split.netloc, split.path, split.query, split.fragment]
        self._secrets = sorted({p for p in parts if len(p) > 1}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """``text`` with the URL shown as its origin and every secret part as ``***``."""
        if self.url:
            text = text.replace(self.url, self.where)
        for part in self._secrets:
            text = text.replace(part, "***")
        return text


async def post_json(
    client: httpx.AsyncClient, url: str, body: Mapping[str, Any], scrub: Callable[[str], str],
    params: Mapping[str, str] | None = None,
) -> httpx.Response:
    """POST ``body`` as UTF-8 JSON, ``params`` added to the URL's own query; failures classified as above."""
    target = httpx.URL(url).copy_merge_params(params) if params else httpx.URL(url)  # params= alone would replace
    try:
        resp = await client.post(target, content=orjson.dumps(body),
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError,
            httpx.WriteTimeout) as exc:
        raise DeliveryRefused(f"{type(exc).__name__}: {scrub(str(exc))}") from None
    except (httpx.HTTPError, OSError, ValueError) as exc:
        raise DeliveryUncertain(f"{type(exc).__name__}: {scrub(str(exc))}") from None
    if resp.status_code == 429 or resp.status_code >= 500:
        raise DeliveryRefused(f"the endpoint answered HTTP {resp.status_code}")
    if not resp.is_success:
        raise DeliveryFailed(f"the endpoint answered HTTP {resp.status_code}")
    return resp


def check_code(resp: httpx.Response, code_key: str, msg_key: str) -> None:
    """A vendor's HTTP 200 answer: ``{code_key: 0}`` is success; any other code is a refusal."""
    try:
        answer = orjson.loads(resp.content)
    except orjson.JSONDecodeError:
        raise DeliveryUncertain(f"HTTP {resp.status_code} with a body that is not JSON") from None
    code = answer.get(code_key) if isinstance(answer, dict) else None
    if code is None:
        raise DeliveryUncertain(f"HTTP {resp.status_code} without {code_key!r} in the answer")
    if code != 0:
        message = str(answer.get(msg_key, ""))[:200]
        raise DeliveryRefused(f"refused: {code_key} {code}: {message}")
