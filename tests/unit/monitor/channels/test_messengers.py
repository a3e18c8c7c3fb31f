"""Acceptance 4: each messenger's local server gets exactly the documented body with a valid signature.

A refusal (errcode/code != 0) is retried, then counted as failed in /metrics.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from pipeline.metrics import Metrics
from pipeline.monitor.channels import dingtalk, feishu, wecom
from pipeline.monitor.channels.config import ChannelsFile
from pipeline.monitor.channels.ledger import MemoryLedger
from pipeline.monitor.channels.router import AlertRouter
from pipeline.monitor.models import Alert
from tests.unit.monitor.channels.conftest import delivered
from tests.unit.monitor.channels.servers import (
    RobotServer,
    dingtalk_verifier,
    feishu_verifier,
    wecom_verifier,
)

TOKEN = "f00dbabe" * 8
SECRET = "SEC" + "0a1b2c3d" * 8
KEY = "693a91f6-6aaa-4bc4-97a0-0ec2sifa5aaa"


def route(name: str, spec: str) -> str:
    return f"channels:\n  {name}:\n{spec}\n    attempts: 3\nroutes:\n  - channels: [{name}]\n"


def run(config: ChannelsFile, alert: Alert, metrics: Metrics) -> AlertRouter:
    router = AlertRouter(config, MemoryLedger(), metrics, first_seconds=0.01)
    asyncio.run(router.deliver([alert]))
    return router


def test_dingtalk_gets_the_documented_markdown_signed(
    alert: Alert, channels_file: Callable[[str], ChannelsFile], servers: list[RobotServer]
) -> None:
    server = RobotServer({"errcode": 0, "errmsg": "ok"}, dingtalk_verifier(TOKEN, SECRET))
    servers.append(server)
    config = channels_file(route("ding", f"    type: dingtalk\n    url: {server.base}/robot/send?access_token={TOKEN}\n"
                                         f"    secret: {SECRET}"))
    metrics = Metrics()
    run(config, alert, metrics)
    assert len(server.received) == 1 and server.verified == [True]
    req = server.received[0]
    assert req.path == "/robot/send" and req.headers["Content-Type"].startswith("application/json")
    assert set(req.query) == {"access_token", "timestamp", "sign"}
    assert req.json == dingtalk.body(alert)
    assert set(req.json) == {"msgtype", "markdown", "at"} and req.json["msgtype"] == "markdown"
    assert set(req.json["markdown"]) == {"title", "text"}
    assert req.json["at"] == {"atMobiles": [], "atUserIds": [], "isAtAll": False}
    assert delivered(metrics, "ding", "sent") == 1


def test_dingtalk_refusal_is_retried_then_counted_failed(
    alert: Alert, channels_file: Callable[[str], ChannelsFile], servers: list[RobotServer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    too_fast = {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
    server = RobotServer({"errcode": 0, "errmsg": "ok"}, dingtalk_verifier(TOKEN, SECRET), script=[too_fast] * 5)
    servers.append(server)
    url = f"{server.base}/robot/send?access_token={TOKEN}"
    config = channels_file(route("ding", f"    type: dingtalk\n    url: {url}\n    secret: {SECRET}"))
    metrics = Metrics()
    with caplog.at_level(logging.WARNING):
        run(config, alert, metrics)
    assert len(server.received) == 3 and all(server.verified)  # three attempts, each signed afresh
    assert delivered(metrics, "ding", "failed") == 1 and delivered(metrics, "ding", "sent") == 0
    assert "130101" in caplog.text and "not delivered to channel ding" in caplog.text
    assert TOKEN not in caplog.text and SECRET not in caplog.text


def test_dingtalk_refusal_then_acceptance_is_one_message_sent(
    alert: Alert, channels_file: Callable[[str], ChannelsFile], servers: list[RobotServer]
) -> None:
    server = RobotServer({"errcode": 0, "errmsg": "ok"}, dingtalk_verifier(TOKEN, SECRET),
                         script=[{"errcode": 130101, "errmsg": "send too fast"}])
    servers.append(server)
    url = f"{server.base}/robot/send?access_token={TOKEN}"
    config = channels_file(route("ding", f"    type: dingtalk\n    url: {url}\n    secret: {SECRET}"))
    metrics = Metrics()
    run(config, alert, metrics)
    assert len(server.received) == 2
    assert delivered(metrics, "ding", "sent") == 1 and delivered(metrics, "ding", "failed") == 0


def test_wrong_dingtalk_secret_is_refused_by_the_vendor_check(
    alert: Alert, channels_file: Callable[[str], ChannelsFile], servers: list[RobotServer]
) -> None:
    server = RobotServer({"errcode": 0, "errmsg": "ok"}, dingtalk_verifier(TOKEN, SECRET))
    servers.append(server)
    url = f"{server.base}/robot/send?access_token={TOKEN}"
    config = channels_file(route("ding", f"    type: dingtalk\n    url: {url}\n    secret: SECwrong"))
    metrics = Metrics()
    run(config, alert, metrics)
    assert server.verified == [False, False, False]
    assert delivered(metrics, "ding", "failed") == 1


def test_wecom_gets_the_documented_markdown(
    alert: Alert, channels_file: Callable[[str], ChannelsFile], servers: list[RobotServer]
) -> None:
    server = RobotServer({"errcode": 0, "errmsg": "ok"}, wecom_verifier(KEY))
    servers.append(server)
    config = channels_file(route("wx", f"    type: wecom\n    url: {server.base}/cgi-bin/webhook/send?key={KEY}"))
    metrics = Metrics()
    run(config, alert, metrics)
    assert server.verified == [True]
    req = server.received[0]
    assert req.path == "/cgi-bin/webhook/send"
    assert req.json == wecom.body(alert)
    assert set(req.json) == {"msgtype", "markdown"} and set(req.json["markdown"]) == {"content"}
    assert len(req.json["markdown"]["content"].encode()) <= wecom.MAX_CONTENT_BYTES
    assert delivered(metrics, "wx", "sent") == 1


def test_wecom_refusal_is_retried_then_counted_failed(
    alert: Alert, channels_file: Callable[[str], ChannelsFile], servers: list[RobotServer]
) -> None:
    server = RobotServer({"errcode": 0, "errmsg": "ok"}, wecom_verifier(KEY),
                         script=[{"errcode": 45009, "errmsg": "api freq out of limit"}] * 3)
    servers.append(server)
    config = channels_file(route("wx", f"    type: wecom\n    url: {server.base}/cgi-bin/webhook/send?key={KEY}"))
    metrics = Metrics()
    run(config, alert, metrics)
    assert len(server.received) == 3 and delivered(metrics, "wx", "failed") == 1


def test_feishu_gets_the_documented_card_signed(
    alert: Alert, channels_file: Callable[[str], ChannelsFile], servers: list[RobotServer]
) -> None:
    server = RobotServer({"code": 0, "msg": "success", "data": {}}, feishu_verifier(SECRET))
    servers.append(server)
    config = channels_file(route("fs", f"    type: feishu\n    url: {server.base}/open-apis/bot/v2/hook/abc-123\n"
                                       f"    secret: {SECRET}"))
    metrics = Metrics()
    run(config, alert, metrics)
    assert server.verified == [True]
    body = server.received[0].json
    assert list(body) == ["timestamp", "sign", "msg_type", "card"] and body["msg_type"] == "interactive"
    assert body["card"] == feishu.card(alert)
    assert body["card"]["header"]["title"]["tag"] == "plain_text"
    assert {e["text"]["tag"] for e in body["card"]["elements"]} == {"plain_text"}
    assert delivered(metrics, "fs", "sent") == 1


def test_feishu_refusal_is_retried_then_counted_failed(
    alert: Alert, channels_file: Callable[[str], ChannelsFile], servers: list[RobotServer]
) -> None:
    server = RobotServer({"code": 0, "msg": "success"}, feishu_verifier(SECRET),
                         script=[{"code": 11232, "msg": "frequency limited"}] * 3)
    servers.append(server)
    config = channels_file(route("fs", f"    type: feishu\n    url: {server.base}/open-apis/bot/v2/hook/abc\n"
                                       f"    secret: {SECRET}"))
    metrics = Metrics()
    run(config, alert, metrics)
    assert len(server.received) == 3 and all(server.verified)
    assert delivered(metrics, "fs", "failed") == 1


def test_generic_webhook_gets_the_alert_json(
    alert: Alert, channels_file: Callable[[str], ChannelsFile], servers: list[RobotServer]
) -> None:
    server = RobotServer({}, status=200)
    servers.append(server)
    config = channels_file(route("hook", f"    type: webhook\n    url: {server.base}/hook/s3cret"))
    metrics = Metrics()
    run(config, alert, metrics)
    assert Alert.model_validate(server.received[0].json) == alert
    assert delivered(metrics, "hook", "sent") == 1


def test_signatures_match_the_vendors_examples() -> None:
    r"""The signing functions against values computed apart, with openssl, as each vendor documents it.

    printf '1577000000000\nSECabc' | openssl dgst -sha256 -hmac SECabc -binary | base64
    printf '' | openssl dgst -sha256 -mac HMAC -macopt hexkey:<hex of '1599360473\ndemo'> -binary | base64
    """
    assert dingtalk.sign(1577000000000, "SECabc") == "7GpJpzn1QbzWPzb28Rn8n5kqQ+bZnFJ5q6yAXgyepM4="
    assert feishu.sign(1599360473, "demo") == "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8="
