"""The stream's text cannot make links, mentions or markup in any message format."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from pipeline.monitor.channels import dingtalk, feishu, wecom
from pipeline.monitor.channels.config import FeishuChannel
from pipeline.monitor.channels.text import markdown_inert
from pipeline.monitor.models import Alert
from tests.unit.monitor.channels.conftest import make_alert


def test_markdown_inert_neutralises_links_mentions_and_tags() -> None:
    out = markdown_inert('[点我](https://evil.cn) @all <@zhangsan> <font color="warning">x</font>\n# h www.a.cn')
    for bad in ("[", "](", "@all", "<@", "<font", "\n", "://", "www.", "#"):
        assert bad not in out, bad
    assert "点我" in out and "＠all" in out


def test_markdown_bodies_carry_no_markup_from_the_stream(alert: Alert) -> None:
    for text in (dingtalk.body(alert)["markdown"]["text"], wecom.body(alert)["markdown"]["content"]):
        for bad in ("](", "@all", "<@", "<font color=\"warning\">!", "https://evil", "www.evil", "\n> 引用"):
            assert bad not in text, (bad, text)
        assert "牛奶有异味" in text and "异味" in text


def test_feishu_card_is_plain_text_only(alert: Alert) -> None:
    body = feishu.Feishu("fs", FeishuChannel(type="feishu", url=SecretStr("https://open.feishu.cn/x"))).body(alert)
    assert "secret" not in body and "sign" not in body  # unsigned bot: no signature fields
    tags = {e["text"]["tag"] for e in body["card"]["elements"]} | {body["card"]["header"]["title"]["tag"]}
    assert tags == {"plain_text"} and "lark_md" not in json.dumps(body)


def test_dingtalk_body_is_exactly_the_documented_markdown_message() -> None:
    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    simple = Alert(alert_id="a-1", brand="蒙牛", signal="negative", window_start=start,
                   window_end=start + timedelta(minutes=5), fired_at=start, count=40, baseline_mean=5.0,
                   baseline_std=2.0, baseline_windows=20, threshold=11.0, score=17.5, severity="high")
    assert dingtalk.body(simple) == {
        "msgtype": "markdown",
        "markdown": {
            "title": "Spike alert (high): 蒙牛 · negative",
            "text": "#### Spike alert (high): 蒙牛 · negative\n\n"
                    "**40** in 5 min; baseline 5.0 ± 2.0 over 20 windows (threshold 11.0, score 17.5)\n\n"
                    "Window: 2026-12-01 12:00–12:05 UTC\n\nAlert id: a-1",
        },
        "at": {"atMobiles": [], "atUserIds": [], "isAtAll": False},
    }
    assert wecom.body(simple) == {"msgtype": "markdown", "markdown": {"content":
        "## <font color=\"warning\">Spike alert (high): 蒙牛 · negative</font>\n"
        "**40** in 5 min; baseline 5.0 ± 2.0 over 20 windows (threshold 11.0, score 17.5)\n"
        "Window: 2026-12-01 12:00–12:05 UTC\nAlert id: a-1"}}


def test_wecom_content_stays_within_4096_bytes() -> None:
    long = make_alert(text="长" * 5000)
    long.top_terms = long.top_terms * 200
    content = wecom.body(long)["markdown"]["content"]
    assert len(content.encode()) <= wecom.MAX_CONTENT_BYTES and content.endswith(markdown_inert(long.alert_id))
