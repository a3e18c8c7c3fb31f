"""``sociallisten channels check|test`` in-process: the file listed without secrets; a test alert to each channel."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

import pipeline.cli.channels  # noqa: F401 - registers the command
from pipeline.cli import app
from tests.unit.monitor.channels.servers import RobotServer, dingtalk_verifier

runner = CliRunner()


def test_check_and_test_a_channels_file(tmp_path: Path, servers: list[RobotServer]) -> None:
    good = RobotServer({"errcode": 0, "errmsg": "ok"}, dingtalk_verifier("tok-9", "SEC-9"))
    refusing = RobotServer({"errcode": 93000, "errmsg": "invalid webhook url"})
    servers += [good, refusing]
    path = tmp_path / "channels.yaml"
    path.write_text(f"channels:\n  ding:\n    type: dingtalk\n    url: {good.base}/robot/send?access_token=tok-9\n"
                    f"    secret: SEC-9\n  wx:\n    type: wecom\n    url: {refusing.base}/send?key=k\n    attempts: 1\n"
                    "routes:\n  - channels: [ding]\n    min_severity: high\n")
    path.chmod(0o600)
    checked = runner.invoke(app, ["channels", "check", "--file", str(path)])
    assert checked.exit_code == 0, checked.output
    assert f"channel ding: dingtalk, {good.base} signed" in checked.output and "tok-9" not in checked.output
    assert "route 1: severity >= high" in checked.output
    tested = runner.invoke(app, ["channels", "test", "--file", str(path)])
    assert tested.exit_code == 1
    assert "channel ding: sent" in tested.output and "channel wx: failed" in tested.output
    assert len(good.received) == 1 and good.verified == [True] and len(refusing.received) == 1
    only = runner.invoke(app, ["channels", "test", "--file", str(path), "--channel", "ding"])
    assert only.exit_code == 0 and len(good.received) == 2
