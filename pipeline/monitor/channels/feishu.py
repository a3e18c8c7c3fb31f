r"""Feishu custom bot (飞书自定义机器人): an interactive card, signed with ``timestamp`` and ``sign`` in the body.

Documented by Feishu, https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot (自定义机器人使用指南):

- ``POST https://open.feishu.cn/open-apis/bot/v2/hook/<id>`` with ``{"msg_type": "interactive",
  "card": {...}}`` (a message card: ``header.title`` and ``elements`` of ``div`` blocks); the body
  at most 20 KB; 100 messages a minute and 5 a second per bot;
- signing (签名校验): ``timestamp`` in seconds (within one hour); the *key* of HmacSHA256 is
  ``timestamp + "\n" + secret`` and the message is empty; Base64 of the digest is ``sign``;
  both go into the JSON body beside ``msg_type``;
- the answer is HTTP 200 with ``{"code": 0, "msg": "success"}``; any other code is a refusal
  (19021 bad signature or stale timestamp, 19024 keyword missing, 11232 rate limited).

Every text element is ``plain_text``, never ``lark_md``: the stream's text is shown as it is
and cannot make a link or an ``<at>`` mention.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import httpx

from pipeline.monitor.channels.base import Scrubber, check_code, post_json
from pipeline.monitor.channels.config import FeishuChannel
from pipeline.monitor.channels.text import lines, plain, title
from pipeline.monitor.models import Alert

_TEMPLATE = {"high": "red", "medium": "orange", "low": "yellow"}


def sign(timestamp_s: int, secret: str) -> str:
    r"""Base64 of HMAC-SHA256(key=f"{timestamp}\n{secret}", msg=b"")."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def card(alert: Alert) -> dict[str, Any]:
    """The message card of ``alert``: a coloured header and one plain-text block per line."""
    return {
        "config": {"wide_screen_mode": True},
        "header": {"template": _TEMPLATE.get(alert.severity, "red"),
                   "title": {"tag": "plain_text", "content": title(alert, plain)}},
        "elements": [{"tag": "div", "text": {"tag": "plain_text", "content": line}} for line in lines(alert, plain)],
    }


class Feishu:
    """Sends alerts to one Feishu custom bot."""

    kind = "feishu"

    def __init__(self, name: str, spec: FeishuChannel) -> None:
        """The bot at ``spec.url``; ``secret`` when 签名校验 is on."""
        self.name = name
        self.spec = spec
        self.url = spec.url.get_secret_value()
        self.secret = spec.secret.get_secret_value() if spec.secret else None
        self.scrub = Scrubber(self.url, self.secret)

    def body(self, alert: Alert, now: float | None = None) -> dict[str, Any]:
        """The request body: signature fields first (when signing), then the card."""
        out: dict[str, Any] = {}
        if self.secret:
            ts = int(time.time() if now is None else now)
            out = {"timestamp": str(ts), "sign": sign(ts, self.secret)}
        return {**out, "msg_type": "interactive", "card": card(alert)}

    async def send(self, alert: Alert) -> None:
        """One card (signed now, so a retry carries a fresh timestamp)."""
        async with httpx.AsyncClient(timeout=self.spec.timeout) as client:
            resp = await post_json(client, self.url, self.body(alert), self.scrub)
        check_code(resp, "code", "msg")
