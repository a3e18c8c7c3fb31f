"""The live stream covers every worker: mentions stored by another worker reach this one's page (live topic)."""

from __future__ import annotations

import re
import threading
import time

import httpx
import orjson
import pytest

from pipeline.local.ports import free_port
from pipeline.sample import generate_events
from tests.integration.expect import Expectation
from tests.integration.monitor.conftest import TOKEN
from tests.integration.worker.test_faults import produce

pytestmark = pytest.mark.integration


class StreamClient(threading.Thread):
    """Collects the event ids of ``mention`` events from one SSE stream until stopped."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.ids: set[str] = set()
        self.connected = threading.Event()
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            self._read()
        except httpx.HTTPError:
            if not self.stop.is_set():
                raise  # a stream that breaks while the test still reads is a failure (the ids stay short)

    def _read(self) -> None:
        params = {"backfill": "0", "alerts": "false"}
        with httpx.stream("GET", self.url, params=params, headers={"Authorization": f"Bearer {TOKEN}"},
                          timeout=httpx.Timeout(10.0, read=120.0)) as resp:
            self.connected.set()
            kind = ""
            for line in resp.iter_lines():
                if self.stop.is_set():
                    return
                if line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:") and kind == "mention":
                    self.ids.add(orjson.loads(line[5:])["event_id"])


def _stored(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=5).text
    match = re.search(r"^sociallisten_events_stored_total ([0-9.e+]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_a_page_on_one_worker_shows_what_every_worker_stored(worker_env, start_monitor) -> None:  # type: ignore[no-untyped-def]
    lines = list(generate_events(2000, seed=31, invalid_rate=0.0))
    expected = Expectation.from_lines(lines).valid_ids
    web = start_monitor()
    ops_port = free_port()
    other = start_monitor(SOCIALLISTEN_OPS_PORT=str(ops_port))  # a second worker of the same group
    web.wait_web()
    other.wait_web()
    client = StreamClient(f"{web.url}/api/mentions/stream")
    client.start()
    assert client.connected.wait(30), "the stream did not open"
    time.sleep(2)  # the page's reader has reached the live topic's end
    produce(worker_env, lines)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not expected <= client.ids:
        time.sleep(1)
    client.stop.set()
    missing = expected - client.ids
    assert not missing, f"{len(missing)} of {len(expected)} mentions never reached the page, e.g. {sorted(missing)[:3]}"
    on_web, on_other = _stored(web.url), _stored(f"http://127.0.0.1:{ops_port}")
    assert on_web > 0 and on_other > 0, ("both workers stored a share", on_web, on_other)
    assert on_web + on_other >= len(lines)
