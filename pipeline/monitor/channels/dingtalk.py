r"""DingTalk custom robot (钉钉自定义机器人): a markdown message, signed with ``timestamp`` and ``sign``.

Documented by DingTalk:

- message types and body, https://open.dingtalk.com/document/orgapp/custom-robot-access and
  https://open.dingtalk.com/document/robots/custom-robot-access ("markdown类型":
  ``{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}, "at": {"atMobiles": [...],
  "atUserIds": [...], "isAtAll": false}}``);
- signing (安全设置 / 加签), https://open.dingtalk.com/document/robots/customize-robot-security-settings:
  ``timestamp`` in milliseconds (within one hour of DingTalk's clock); the string to sign is
  ``timestamp + "\n" + secret``, HmacSHA256 with the secret as key, Base64, then URL-encoded, sent as
  the query parameters ``timestamp`` and ``sign`` beside ``access_token``;
- the answer is HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``; any other errcode is a refusal
  (e.g. 310000 bad signature or keyword, 130101 "send too fast": more than 20 messages a minute,
  after which the robot is throttled for 10 minutes).

Nobody is mentioned: ``at`` is empty and ``isAtAll`` false, and the stream's text cannot write a
mention or a link (:func:`~pipeline.monitor.channels.text.markdown_inert`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import httpx

from pipeline.monitor.channels.base import Scrubber, check_code, post_json
from pipeline.monitor.channels.config import DingTalkChannel
from pipeline.monitor.channels.text import lines, markdown_inert, title
from pipeline.monitor.models import Alert


def sign(timestamp_ms: int, secret: str) -> str:
    r"""Base64 of HMAC-SHA256(key=secret, msg=f"{timestamp}\n{secret}") (URL-encoding is the query's job)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def body(alert: Alert) -> dict[str, Any]:
    """The markdown message of ``alert``."""
    head = title(alert, markdown_inert)
    text = f"#### {head}\n\n" + "\n\n".join(lines(alert, markdown_inert, bold=lambda s: f"**{s}**"))
    return {"msgtype": "markdown", "markdown": {"title": head, "text": text},
            "at": {"atMobiles": [], "atUserIds": [], "isAtAll": False}}


class DingTalk:
    """Sends alerts to one DingTalk robot."""

    kind = "dingtalk"

    def __init__(self, name: str, spec: DingTalkChannel) -> None:
        """The robot of ``spec`` (``url`` with its access_token; ``secret`` when 加签 is on)."""
        self.name = name
        self.spec = spec
        self.url = spec.url.get_secret_value()
        self.secret = spec.secret.get_secret_value() if spec.secret else None
        self.scrub = Scrubber(self.url, self.secret)

    async def send(self, alert: Alert) -> None:
        """One markdown message (signed now, so a retry carries a fresh timestamp)."""
        params = None
        if self.secret:
            now = int(time.time() * 1000)
            params = {"timestamp": str(now), "sign": sign(now, self.secret)}
        async with httpx.AsyncClient(timeout=self.spec.timeout) as client:
            resp = await post_json(client, self.url, body(alert), self.scrub, params)
        check_code(resp, "errcode", "errmsg")
