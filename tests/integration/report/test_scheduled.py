"""A scheduled run on the demo data: the report files land in the directory and the webhook gets its message."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Settings
from pipeline.report.schedule import parse_schedule
from pipeline.report.scheduled import run_entry, sinks_from
from tests.integration.report.conftest import DemoDB

pytestmark = pytest.mark.integration


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local endpoint that records each JSON body it receives (the first request is refused with 503)."""
    received: list[dict[str, Any]] = []
    calls = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            calls[0] += 1
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if calls[0] == 1:
                self.send_response(503)
            else:
                received.append(json.loads(body))
                self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook/secret-token", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("demo_db", ["chdb"], indirect=True)
def test_daily_run_pushes_to_directory_and_webhook(
    demo_db: DemoDB, scratch: Path, webhook: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, received = webhook
    for name, value in {"REPORT_SCHEDULE": "daily 08:00", "REPORT_FORMATS": "html,md", "REPORT_PUSH": "dir,webhook",
                        "REPORT_DIR": str(scratch / "reports"), "ALERT_WEBHOOK": url}.items():
        monkeypatch.setenv(f"SOCIALLISTEN_{name}", value)
    settings = Settings()
    (entry,) = parse_schedule(settings.report.report_schedule or "")
    run_entry(demo_db.ch, settings, entry, datetime(2024, 6, 18, 8, tzinfo=UTC), sinks_from(settings))
    files = sorted(p.name for p in (scratch / "reports").iterdir())
    assert files == ["report-day-2024-06-17-蒙牛.html", "report-day-2024-06-17-蒙牛.md"]
    (message,) = received  # the refused first attempt was retried once
    assert message["kind"] == "report" and message["period"] == "2024-06-17" and message["brand"] == "蒙牛"
    assert message["files"] == files and message["markdown"].startswith("# 舆情日报：2024-06-17")
