"""A real ``sociallisten worker --web`` subprocess with the desk, on the session broker and ClickHouse server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson

from pipeline.local.ports import free_port
from tests.fixtures.kafka import ROOT, WorkerEnv

TOKENS = {
    "agent": "agent-token-1-abcdefghijklmnopqrstuvwx",  # 32+ characters, as the service requires
    "agent2": "agent-token-2-abcdefghijklmnopqrstuvwx",
    "supervisor": "super-token-1-abcdefghijklmnopqrstuvwx",
    "readonly": "read-token-1-abcdefghijklmnopqrstuvwxy",
}
TOKEN_SPEC = (
    f"{TOKENS['agent']}:agent:alice,{TOKENS['agent2']}:agent:bob,"
    f"{TOKENS['supervisor']}:supervisor:boss,{TOKENS['readonly']}:readonly:viewer"
)

# Real customer turns from the ECD service dialogues (/work/shared/data/service_dialogues).
FOLLOW_UPS = [
    "但是现在过了退货时间了我申请售后连售后都过时间了",
    "不是说了退回来不发吗补发吗",
    "退回去能确保下次的就不是这样的吗",
]
OTHER = "你那边不能帮我备注改地址"
THREAD = "weibo:7100000001"
DESK_SECRET = "test-desk-secret-0123456789abcdef"
"""SOCIALLISTEN_DESK_SECRET of the desk workers: tests sign their own commands with it."""


def handmade_events(now: datetime) -> list[bytes]:
    """A thread where one author asks three times (one case) and another author once (another case)."""

    def event(n: int, author: str, text: str, minutes: int, kind: str = "comment") -> bytes:
        body: dict[str, object] = {
            "id": f"weibo:71000000{n:02d}",
            "platform": "weibo",
            "kind": kind,
            "author": {
                "id": author,
                "name": {"8800001": "小王买家", "8800002": "李女士"}.get(author, "店铺粉丝"),
                "followers": 120,
            },
            "text": text,
            "created_at": (now + timedelta(minutes=minutes)).isoformat(),
        }
        if kind == "comment":
            body.update(root_id=THREAD, parent_id=THREAD)
        return orjson.dumps(body)

    return [
        event(1, "8800000", "新品上市，欢迎大家来店里看看", 0, kind="post"),
        event(2, "8800001", FOLLOW_UPS[0], 5),
        event(3, "8800001", FOLLOW_UPS[1], 65),
        event(4, "8800002", OTHER, 70),
        event(5, "8800001", FOLLOW_UPS[2], 180),
    ]


@dataclass
class DeskService:
    """The running worker and how to reach it."""

    wenv: WorkerEnv
    base_url: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def client(self, role: str | None = "readonly", token: str | None = None) -> httpx.Client:
        """An HTTP client with the token of ``role`` (or an explicit token)."""
        headers = {}
        if token is not None or role is not None:
            headers["Authorization"] = f"Bearer {token if token is not None else TOKENS[role or 'readonly']}"
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not stop."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def logs(self) -> str:
        """The worker's output so far."""
        return self.log_path.read_text(errors="replace")


def start_desk_service(kafka_url: str, clickhouse_url: str, tmp: Path) -> DeskService:
    """Start ``python -m pipeline worker --web`` and wait until the API answers."""
    wenv = WorkerEnv(
        kafka_url=kafka_url, clickhouse_url=clickhouse_url, data_dir=tmp / "data", prefix=f"d{uuid.uuid4().hex[:8]}."
    )
    port = free_port()
    log_path = tmp / "desk-worker.log"
    users_file = str(tmp / "users.yaml")  # starts empty: tests add people with `sociallisten users add`
    wenv.extra.update(SOCIALLISTEN_WEB_PORT=str(port), SOCIALLISTEN_API_TOKENS=TOKEN_SPEC,
                      SOCIALLISTEN_USERS_FILE=users_file, SOCIALLISTEN_DESK_SECRET=DESK_SECRET)
    env = wenv.env()
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "worker", "--web"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    service = DeskService(wenv, f"http://127.0.0.1:{port}", proc, log_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"worker exited with {proc.returncode}:\n{service.logs()[-4000:]}")
        try:
            if httpx.get(f"{service.base_url}/api/health", timeout=2).status_code == 200:
                return service
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    service.stop()
    raise AssertionError(f"the web service did not answer within 120 s:\n{service.logs()[-4000:]}")


def now_utc() -> datetime:
    """Whole-second UTC now."""
    return datetime.now(UTC).replace(microsecond=0)
