"""WeCom group robot (企业微信群机器人): a markdown message; the robot's key is in its URL.

Documented by WeCom, https://developer.work.weixin.qq.com/document/path/91770 (群机器人配置说明):
``POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY`` with
``{"msgtype": "markdown", "markdown": {"content": ...}}``; the content is UTF-8, at most 4096 bytes;
its markdown knows headings, bold, links, quotes, ``<font color="info|comment|warning">`` and
``<@userid>`` mentions; a robot sends at most 20 messages a minute. The answer is HTTP 200 with
``{"errcode": 0, "errmsg": "ok"}``; any other errcode is a refusal (45009: over the rate limit,
93000: invalid key).

The stream's text cannot write a mention, a link or a tag (:func:`~pipeline.monitor.channels.text.markdown_inert`).
"""

from __future__ import annotations

from typing import Any

import httpx

from pipeline.monitor.channels.base import Scrubber, check_code, post_json
from pipeline.monitor.channels.config import WeComChannel
from pipeline.monitor.channels.text import lines, markdown_inert, title
from pipeline.monitor.models import Alert

MAX_CONTENT_BYTES = 4096
_COLOUR = {"high": "warning", "medium": "warning", "low": "comment"}


def body(alert: Alert) -> dict[str, Any]:
    """The markdown message of ``alert`` (whole lines dropped from the end to stay within 4096 bytes)."""
    colour = _COLOUR.get(alert.severity, "warning")
    parts = [f"## <font color=\"{colour}\">{title(alert, markdown_inert)}</font>",
             *lines(alert, markdown_inert, bold=lambda s: f"**{s}**")]
    content = "\n".join(parts)
    while len(content.encode()) > MAX_CONTENT_BYTES and len(parts) > 2:
        parts.pop(-2)  # keep the alert id, the last line
        content = "\n".join(parts)
    return {"msgtype": "markdown", "markdown": {"content": content}}


class WeCom:
    """Sends alerts to one WeCom group robot."""

    kind = "wecom"

    def __init__(self, name: str, spec: WeComChannel) -> None:
        """The robot at ``spec.url`` (with its key)."""
        self.name = name
        self.spec = spec
        self.url = spec.url.get_secret_value()
        self.scrub = Scrubber(self.url)

    async def send(self, alert: Alert) -> None:
        """One markdown message."""
        async with httpx.AsyncClient(timeout=self.spec.timeout) as client:
            resp = await post_json(client, self.url, body(alert), self.scrub)
        check_code(resp, "errcode", "errmsg")
