"""Monitoring workers: real ``worker`` processes with monitoring attached and the web API on a free port."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest

from pipeline.local.ports import free_port
from tests.fixtures.kafka import WorkerEnv, WorkerProcess, worker_factory

TOKEN = "readonly-token-123-abcdefghijklmnopqrstuv"  # 32+ characters, as the service requires


class MonitorWorker(WorkerProcess):
    """A ``sociallisten worker --web`` subprocess (monitoring is part of every worker) on a free port."""

    def __init__(self, wenv: WorkerEnv, log_path: Path, **env: str) -> None:
        self.port = free_port()
        super().__init__(
            wenv, log_path, "--web",
            SOCIALLISTEN_WEB_HOST="127.0.0.1", SOCIALLISTEN_WEB_PORT=str(self.port),
            SOCIALLISTEN_API_TOKENS=f"{TOKEN}:readonly", **env,
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


@pytest.fixture
def start_monitor(worker_env: WorkerEnv, tmp_path: Path) -> Iterator[Callable[..., MonitorWorker]]:
    """Factory of monitoring workers; all stopped at the end of the test."""
    with worker_factory(partial(MonitorWorker, worker_env), tmp_path, "monitor") as start:
        yield start
