"""Spike alerts end to end: a real worker (monitoring attached), the real broker and ClickHouse server."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest

from pipeline.config import Settings
from pipeline.local.ports import free_port
from pipeline.monitor.channels.text import markdown_inert
from pipeline.storage import connect
from pipeline.text import get_analyzer
from tests.integration.monitor.conftest import TOKEN
from tests.integration.monitor.streams import BURST_TEXTS, INJECTED_TERMS, burst, steady
from tests.integration.worker.test_pipeline import read_topic
from tests.unit.monitor.channels.servers import RobotServer, dingtalk_verifier

pytestmark = pytest.mark.integration


class Hook:
    """A local HTTP server recording webhook posts."""

    def __init__(self) -> None:
        self.received: list[dict] = []  # type: ignore[type-arg]
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.port = free_port()
        self.server = HTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def _wait(predicate, timeout: float, what: str) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def test_burst_of_negative_mentions_raises_exactly_one_alert(worker_env, start_monitor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    analyzer = get_analyzer(Settings().resolved_lexicon)
    for text in BURST_TEXTS:  # the burst is what we think it is
        a = analyzer.analyze(text)
        assert "蒙牛" in a.brands and a.sentiment == "negative" and set(INJECTED_TERMS) <= set(a.keywords), text
    hook = Hook()
    robot = RobotServer({"errcode": 0, "errmsg": "ok"}, dingtalk_verifier("tok-1", "SEC-1"))
    channels = tmp_path / "alert-channels.yaml"
    channels.write_text(f"channels:\n  ops:\n    type: dingtalk\n    url: {robot.base}/robot/send?access_token=tok-1\n"
                        "    secret: SEC-1\nroutes:\n  - channels: [ops]\n    brands: [蒙牛]\n")
    channels.chmod(0o600)
    now = datetime.now(UTC)
    steady_lines = steady(now)
    path = tmp_path / "steady.jsonl"
    path.write_bytes(b"\n".join(steady_lines) + b"\n")
    worker = start_monitor(
        SOCIALLISTEN_ALERT_CHECK_SECONDS="2", SOCIALLISTEN_ALERT_MIN_COUNT="5",
        SOCIALLISTEN_ALERT_WINDOW_MINUTES="5", SOCIALLISTEN_ALERT_MIN_BASELINE_WINDOWS="12",
        SOCIALLISTEN_ALERT_WEBHOOK=f"http://127.0.0.1:{hook.port}/hook",
        SOCIALLISTEN_ALERT_CHANNELS_FILE=str(channels),
    )
    ch = connect(worker_env.clickhouse_url)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        worker.wait_web()
        assert worker_env.run("replay", str(path), "--no-progress").returncode == 0
        _wait(lambda: ch.query("SELECT count() AS n FROM mentions FINAL")[0]["n"] == len(steady_lines), 120,
              "the steady stream stored")
        time.sleep(8)  # several spike checks over the steady stream
        assert httpx.get(f"{worker.url}/api/alerts", headers=headers).json() == []
        assert ch.query("SELECT count() AS n FROM alerts")[0]["n"] == 0

        burst_path = tmp_path / "burst.jsonl"
        burst_path.write_bytes(b"\n".join(burst(datetime.now(UTC))) + b"\n")
        produced = time.monotonic()
        assert worker_env.run("replay", str(burst_path), "--no-progress").returncode == 0

        def negative_alerts() -> list[dict]:  # type: ignore[type-arg]
            got = httpx.get(f"{worker.url}/api/alerts", params={"brand": "蒙牛", "signal": "negative"},
                            headers=headers).json()
            return got  # type: ignore[no-any-return]

        _wait(lambda: len(negative_alerts()) > 0, 60, "the negative alert")
        assert time.monotonic() - produced < 60
        time.sleep(8)  # more checks while the burst is still in the window: cooldown holds
        alerts = negative_alerts()
        assert len(alerts) == 1, alerts
        alert = alerts[0]
        assert alert["count"] >= 25 and alert["severity"] in {"low", "medium", "high"}
        for term in INJECTED_TERMS:
            assert term in alert["explanation"]
            assert term in [t["term"] for t in alert["top_terms"]]
        assert alert["top_posts"] and alert["top_authors"]
        # every alert of the run: only for the injected brand, none on the steady signals before
        everything = httpx.get(f"{worker.url}/api/alerts", headers=headers).json()
        assert {a["brand"] for a in everything} == {"蒙牛"}
        stored = ch.query("SELECT alert_id FROM alerts FINAL WHERE brand = '蒙牛' AND signal = 'negative'")
        assert len(stored) == 1
        on_topic = asyncio.run(read_topic(worker_env.kafka_url, f"{worker_env.prefix}alerts", len(everything),
                                        distinct="alert_id"))
        assert {a["alert_id"] for a in on_topic if a["signal"] == "negative"} == {alert["alert_id"]}
        _wait(lambda: any(h["alert_id"] == alert["alert_id"] for h in hook.received), 10, "the webhook")
        # the DingTalk channel: the same alerts, each once, signed as DingTalk checks it, counted in /metrics
        _wait(lambda: len(robot.received) >= len(everything), 10, "the DingTalk robot")
        texts = [r.json["markdown"]["text"] for r in robot.received]
        assert sorted(t.rsplit("Alert id: ", 1)[1] for t in texts) == sorted(
            markdown_inert(a["alert_id"]) for a in everything)
        assert all(robot.verified)
        metrics = httpx.get(f"{worker.url}/metrics").text
        assert f'sociallisten_alert_deliveries_total{{channel="ops",outcome="sent"}} {len(everything)}.0' in metrics
    finally:
        ch.close()
        hook.close()
        robot.close()
