"""The alert webhook posts through the retry policy: refused posts are retried a few times, then given up."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from pipeline.monitor.models import Alert
from pipeline.monitor.webhook import Webhook


class Endpoint:
    """A local HTTP endpoint answering with the given statuses in turn (then 204)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[bytes] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                endpoint.received.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(endpoint.statuses.pop(0) if endpoint.statuses else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def alert() -> Alert:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    return Alert(alert_id="a-1", brand="蒙牛", signal="negative", window_start=now, window_end=now, fired_at=now,
                 count=40, baseline_mean=5.0, baseline_std=2.0, baseline_windows=20, threshold=11.0, score=17.5,
                 severity="high")


@pytest.fixture
def endpoint_factory() -> Iterator[list[Endpoint]]:
    made: list[Endpoint] = []
    yield made
    for endpoint in made:
        endpoint.server.shutdown()


def test_a_refused_post_is_sent_again(alert: Alert, endpoint_factory: list[Endpoint]) -> None:
    endpoint = Endpoint([503, 500])
    endpoint_factory.append(endpoint)
    hook = Webhook(endpoint.url, first_seconds=0.01)
    assert asyncio.run(hook.post(alert)) is True
    assert len(endpoint.received) == 3 and (hook.sent, hook.failed) == (1, 0)
    assert b'"alert_id":"a-1"' in endpoint.received[-1]


def test_an_endpoint_that_keeps_refusing_is_given_up_after_the_attempts(
    alert: Alert, endpoint_factory: list[Endpoint]
) -> None:
    endpoint = Endpoint([500] * 10)
    endpoint_factory.append(endpoint)
    hook = Webhook(endpoint.url, attempts=3, first_seconds=0.01)
    assert asyncio.run(hook.post(alert)) is False
    assert len(endpoint.received) == 3 and (hook.sent, hook.failed) == (0, 1)


def test_an_unreachable_endpoint_is_given_up(alert: Alert) -> None:
    hook = Webhook("http://127.0.0.1:9/hook", attempts=2, first_seconds=0.01, timeout=1.0)
    assert asyncio.run(hook.post(alert)) is False
    assert hook.failed == 1
