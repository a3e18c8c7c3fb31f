"""Never more than one message per alert and channel: across retries, repeated polls and a restart."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from pipeline.metrics import Metrics
from pipeline.monitor.channels.config import ChannelsFile
from pipeline.monitor.channels.ledger import MemoryLedger
from pipeline.monitor.channels.router import AlertRouter
from tests.unit.monitor.channels.conftest import delivered, make_alert
from tests.unit.monitor.channels.servers import RobotServer

OK = {"errcode": 0, "errmsg": "ok"}


def config_for(channels_file: Callable[[str], ChannelsFile], url: str, extra: str = "") -> ChannelsFile:
    return channels_file(f"channels:\n  wx:\n    type: wecom\n    url: {url}\n{extra}routes:\n  - channels: [wx]\n")


def test_repeated_polls_and_a_restart_send_each_alert_once(
    channels_file: Callable[[str], ChannelsFile], servers: list[RobotServer]
) -> None:
    server = RobotServer(OK)
    servers.append(server)
    config = config_for(channels_file, f"{server.base}/send?key=k")
    ledger, metrics = MemoryLedger(), Metrics()
    alerts = [make_alert("a1"), make_alert("a2")]
    first = AlertRouter(config, ledger, metrics, first_seconds=0.01)
    asyncio.run(first.deliver(alerts))
    asyncio.run(first.deliver(alerts))  # the next poll sees the same alerts
    restarted = AlertRouter(config, ledger, metrics, first_seconds=0.01)  # a new leader, same ledger
    asyncio.run(restarted.deliver([*alerts, make_alert("a3")]))
    ids = [r.json["markdown"]["content"].rsplit("Alert id: ", 1)[1] for r in server.received]
    assert ids == ["a1", "a2", "a3"]
    assert delivered(metrics, "wx", "sent") == 3
    assert ledger.rows == {("a1", "wx"): "sent", ("a2", "wx"): "sent", ("a3", "wx"): "sent"}


def test_a_send_interrupted_by_a_crash_is_not_repeated(
    channels_file: Callable[[str], ChannelsFile], servers: list[RobotServer]
) -> None:
    server = RobotServer(OK)
    servers.append(server)
    ledger = MemoryLedger()
    ledger.mark("a1", "wx", "sending")  # the previous leader died after writing 'sending'
    router = AlertRouter(config_for(channels_file, f"{server.base}/send?key=k"), ledger, Metrics(), first_seconds=0.01)
    asyncio.run(router.deliver([make_alert("a1")]))
    assert server.received == []


def test_an_answer_that_may_mean_delivered_is_not_retried(channels_file: Callable[[str], ChannelsFile],
                                                          servers: list[RobotServer]) -> None:
    server = RobotServer({"unexpected": True})  # HTTP 200 without errcode: it may have been posted
    servers.append(server)
    metrics = Metrics()
    router = AlertRouter(config_for(channels_file, f"{server.base}/send?key=k"), MemoryLedger(), metrics,
                         first_seconds=0.01)
    asyncio.run(router.deliver([make_alert("a1")]))
    assert len(server.received) == 1 and delivered(metrics, "wx", "unknown") == 1


def test_unreachable_channel_is_retried_then_failed(channels_file: Callable[[str], ChannelsFile]) -> None:
    metrics = Metrics()
    config = config_for(channels_file, "http://127.0.0.1:9/send?key=k", "    attempts: 2\n")
    asyncio.run(AlertRouter(config, MemoryLedger(), metrics, first_seconds=0.01).deliver([make_alert("a1")]))
    assert delivered(metrics, "wx", "failed") == 1


def test_rate_limit_holds_messages_back_until_a_later_poll(
    channels_file: Callable[[str], ChannelsFile], servers: list[RobotServer]
) -> None:
    server = RobotServer(OK)
    servers.append(server)
    metrics, ledger = Metrics(), MemoryLedger()
    config = config_for(channels_file, f"{server.base}/send?key=k", "    rate_per_minute: 2\n")
    router = AlertRouter(config, ledger, metrics, first_seconds=0.01)
    alerts = [make_alert(f"a{n}") for n in range(4)]
    asyncio.run(router.deliver(alerts))
    asyncio.run(router.deliver(alerts))  # still within the minute: still held back, counted once
    assert len(server.received) == 2
    assert delivered(metrics, "wx", "sent") == 2 and delivered(metrics, "wx", "deferred") == 2
    router.windows["wx"].sent.clear()  # the minute has passed
    asyncio.run(router.deliver(alerts))
    assert len(server.received) == 4 and set(ledger.rows.values()) == {"sent"}


def test_routes_pick_the_channels(channels_file: Callable[[str], ChannelsFile], servers: list[RobotServer]) -> None:
    low, high = RobotServer({}), RobotServer({})
    servers += [low, high]
    config = channels_file(f"channels:\n  all:\n    type: webhook\n    url: {low.base}/h\n  hi:\n    type: webhook\n"
                           f"    url: {high.base}/h\nroutes:\n  - channels: [all]\n  - channels: [hi]\n"
                           "    min_severity: high\n    brands: [蒙牛]\n")
    router = AlertRouter(config, MemoryLedger(), Metrics(), first_seconds=0.01)
    asyncio.run(router.deliver([make_alert("x1", severity="low"), make_alert("x2", severity="high"),
                                make_alert("x3", severity="high", brand="伊利")]))
    assert [r.json["alert_id"] for r in low.received] == ["x1", "x2", "x3"]
    assert [r.json["alert_id"] for r in high.received] == ["x2"]
