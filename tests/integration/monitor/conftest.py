"""Monitoring workers: real ``worker`` processes with monitoring attached and the web API on a free port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from pipeline.kafka.broker import free_port
from tests.fixtures.kafka import ROOT, WorkerEnv

TOKEN = "readonly-token-123"


class MonitorWorker:
    """A worker subprocess running tests/integration/monitor/run_worker.py."""

    def __init__(self, wenv: WorkerEnv, log_path: Path, **env: str) -> None:
        self.port = free_port()
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115
        full = wenv.env(SOCIALLISTEN_TEST_WEB_PORT=str(self.port), SOCIALLISTEN_API_TOKENS=f"{TOKEN}:readonly", **env)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.monitor.run_worker"],
            cwd=ROOT, env=full, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    @property
    def url(self) -> str:
        """Base URL of its web service."""
        return f"http://127.0.0.1:{self.port}"

    def wait_web(self, timeout: float = 90.0) -> None:
        """Until /api/health answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited: {self.logs()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"web service did not start: {self.logs()[-3000:]}")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()

    def logs(self) -> str:
        """What it logged so far."""
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def start_monitor(worker_env: WorkerEnv, tmp_path: Path) -> Iterator[Callable[..., MonitorWorker]]:
    """Factory of monitoring workers; all stopped at the end of the test."""
    workers: list[MonitorWorker] = []

    def _start(**env: str) -> MonitorWorker:
        w = MonitorWorker(worker_env, tmp_path / f"monitor{len(workers)}.log", **env)
        workers.append(w)
        return w

    yield _start
    for w in workers:
        w.stop()
