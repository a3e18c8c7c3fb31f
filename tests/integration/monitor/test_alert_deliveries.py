"""The delivery ledger in ClickHouse (both backends): a new leader sends nothing its predecessor sent or began."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.metrics import Metrics
from pipeline.monitor.channels.config import load_channels
from pipeline.monitor.channels.ledger import ClickHouseLedger
from pipeline.monitor.channels.router import AlertRouter
from pipeline.storage import ClickHouse
from tests.unit.monitor.channels.conftest import make_alert
from tests.unit.monitor.channels.servers import RobotServer

pytestmark = pytest.mark.integration


@pytest.fixture
def robot() -> Iterator[RobotServer]:
    server = RobotServer({"errcode": 0, "errmsg": "ok"})
    yield server
    server.close()


def test_a_new_leader_reads_what_was_sent_from_clickhouse(ch: ClickHouse, robot: RobotServer, tmp_path: Path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text(f"channels:\n  wx:\n    type: wecom\n    url: {robot.base}/send?key=k\nroutes:\n"
                    "  - channels: [wx]\n")
    path.chmod(0o600)
    config = load_channels(path)
    ledger = ClickHouseLedger(ch)
    ledger.mark("begun", "wx", "sending")  # a leader died while sending this one
    first = AlertRouter(config, ledger, Metrics(), first_seconds=0.01)
    asyncio.run(first.deliver([make_alert("a1"), make_alert("begun")]))
    assert ledger.states(["a1", "begun"]) == {("a1", "wx"): "sent", ("begun", "wx"): "sending"}
    successor = AlertRouter(config, ClickHouseLedger(ch), Metrics(), first_seconds=0.01)
    asyncio.run(successor.deliver([make_alert("a1"), make_alert("begun"), make_alert("a2")]))
    sent = [r.json["markdown"]["content"].rsplit("Alert id: ", 1)[1] for r in robot.received]
    assert sent == ["a1", "a2"]
