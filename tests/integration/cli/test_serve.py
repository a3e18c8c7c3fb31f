"""``sociallisten serve`` beside two workers: every stored mention on its stream, desk actions by named users."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from pipeline.local.ports import free_port
from pipeline.sample import generate_events
from pipeline.web.users import add_user
from tests.fixtures.kafka import ROOT
from tests.integration.expect import Expectation
from tests.integration.monitor.conftest import TOKEN  # the StreamClient's token
from tests.integration.monitor.test_live_across_workers import StreamClient
from tests.integration.worker.test_faults import produce

pytestmark = pytest.mark.integration



def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def test_serve_shows_every_workers_mentions_and_claims_for_named_users(  # type: ignore[no-untyped-def]
    worker_env, start_worker, tmp_path: Path
) -> None:
    users = tmp_path / "users.yaml"
    agent_token = add_user(users, "li.na", "agent")
    port = free_port()
    worker_env.extra.update(SOCIALLISTEN_USERS_FILE=str(users), SOCIALLISTEN_API_TOKENS=f"{TOKEN}:readonly",
                            SOCIALLISTEN_DESK_SECRET="serve-test-desk-secret")
    first, second = start_worker(), start_worker()
    log = open(tmp_path / "serve.log", "ab")  # noqa: SIM115 - closed below
    serve = subprocess.Popen([sys.executable, "-m", "pipeline", "serve"], cwd=ROOT, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True,
                             env=worker_env.env(SOCIALLISTEN_WEB_PORT=str(port),
                                                # a data directory that does not exist yet, as on a fresh clone
                                                SOCIALLISTEN_DATA_DIR=str(tmp_path / "fresh" / "data")))
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: httpx.get(f"{base}/readyz", timeout=3).status_code == 200, 90, "serve to be ready")
        client = StreamClient(f"{base}/api/mentions/stream")
        client.start()
        assert client.connected.wait(30)
        time.sleep(2)
        lines = list(generate_events(2000, seed=41, invalid_rate=0.0))
        expected = Expectation.from_lines(lines).valid_ids
        produce(worker_env, lines)
        _wait(lambda: expected <= client.ids, 180, "every stored mention on serve's stream")
        client.stop.set()

        headers = {"Authorization": f"Bearer {agent_token}"}
        _wait(lambda: httpx.get(f"{base}/api/cases", params={"status": "new"}, headers=headers,
                                timeout=10).json()["count"] > 0, 120, "cases from the replayed service requests")
        case = httpx.get(f"{base}/api/cases", params={"status": "new"}, headers=headers, timeout=10).json()["cases"][0]
        claimed = httpx.post(f"{base}/api/cases/{case['case_id']}/claim", headers=headers, timeout=60)
        assert claimed.status_code == 200, claimed.text
        assert claimed.json()["case"]["assignee"] == "li.na"

        metrics = httpx.get(f"{base}/metrics", timeout=10).text
        assert re.search(r"^sociallisten_desk_cases\{status=\"new\"\} ", metrics, re.MULTILINE), metrics[:500]
        assert first.alive() and second.alive()
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGTERM)
            try:
                serve.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(serve.pid, signal.SIGKILL)
        log.close()
        sys.stdout.write((tmp_path / "serve.log").read_text(errors="replace")[-3000:])
    assert serve.returncode == 0, "serve stops cleanly on SIGTERM"
