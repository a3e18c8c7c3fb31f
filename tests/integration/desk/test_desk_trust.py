"""Only signed commands move cases: forged messages on the cases topic are dead-lettered, not applied."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from pipeline.desk.models import Command, Op, key_of
from pipeline.desk.signing import SIGNATURE_FIELD, UNAUTHENTICATED, signed
from pipeline.kafka.producer import make_producer
from pipeline.storage import connect
from tests.integration.desk.service import DESK_SECRET, TOKENS, DeskService, handmade_events, start_desk_service

pytestmark = pytest.mark.integration


def _wait(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture(scope="module")
def desk(kafka_broker, clickhouse_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskService]:  # type: ignore[no-untyped-def]
    """A desk worker (with SOCIALLISTEN_DESK_SECRET) that has seen the handmade thread."""
    tmp = tmp_path_factory.mktemp("desk-trust")
    service = start_desk_service(kafka_broker.bootstrap, clickhouse_server.url(f"t_{uuid.uuid4().hex[:10]}"), tmp)
    try:
        stream = tmp / "events.jsonl"
        stream.write_bytes(b"\n".join(handmade_events(datetime.now(UTC).replace(microsecond=0))) + b"\n")
        result = service.wenv.run("replay", str(stream), "--no-progress")
        assert result.returncode == 0, result.stderr.decode()
        yield service
    finally:
        service.stop()


def _case(desk: DeskService, case_id: str) -> dict[str, Any]:
    with desk.client("readonly") as c:
        return c.get(f"/api/cases/{case_id}").json()  # type: ignore[no-any-return]


def test_forged_commands_change_nothing_and_signed_ones_work(desk: DeskService, tmp_path: Path) -> None:
    def some_case() -> list[dict[str, Any]]:
        with desk.client("readonly") as c:
            return c.get("/api/cases", params={"status": "new"}).json()["cases"]  # type: ignore[no-any-return]

    case_id = _wait(some_case, 120, "a case from the handmade thread")[0]["case_id"]
    at = datetime.now(UTC).replace(microsecond=0)

    def command(op: Op, actor: str, **fields: Any) -> Command:
        return Command(op=op, command_id=uuid.uuid4().hex, at=at, actor=actor, role="supervisor", case_id=case_id,
                       **fields)

    unsigned = command(Op.assign, "mallory", assignee="mallory").model_dump(mode="json")
    wrong_key = signed(command(Op.escalate, "mallory"), b"not-the-desk-secret")
    tampered = signed(command(Op.claim, "boss"), DESK_SECRET.encode()) | {"actor": "mallory"}
    good = signed(command(Op.escalate, "boss", note="signed by the web tier"), DESK_SECRET.encode())
    assert SIGNATURE_FIELD not in unsigned
    topic, key = f"{desk.wenv.prefix}cases", key_of(case_id).encode()
    producer = make_producer(desk.wenv.kafka_url)  # the raw bytes stand for anyone with access to the broker
    try:
        for value in (unsigned, wrong_key, tampered, b"not even json", good):
            producer.send(topic, value if isinstance(value, bytes) else orjson.dumps(value), key=key)
        producer.flush(30)
    finally:
        producer.close()

    # one partition, in order: once the signed command is applied, the forged ones were handled before it
    case = _wait(lambda: (c := _case(desk, case_id))["escalated"] and c, 120, "the signed escalation")
    assert case["status"] == "escalated" and case["assignee"] == ""  # not assigned or claimed by the forgers
    ch = connect(desk.wenv.clickhouse_url)
    try:
        rows = _wait(lambda: len(r := ch.query(
            "SELECT dl_id, stage, reason, raw_b64, source_topic FROM dead_letters FINAL WHERE reason = %(r)s",
            {"r": UNAUTHENTICATED})) >= 4 and r, 60, "the forged commands dead-lettered")
        actors = ch.query("SELECT groupUniqArray(actor) AS a FROM desk_case_events WHERE case_id = %(c)s",
                          {"c": case_id})[0]["a"]
    finally:
        ch.close()
    assert {r["stage"] for r in rows} == {"command"} and {r["source_topic"] for r in rows} == {topic}
    raws = [base64.b64decode(r["raw_b64"]) for r in rows]
    assert len(rows) == 4 and b"not even json" in raws
    assert "Crashed" not in desk.logs(), "a value that is not JSON must not kill the desk agent"
    assert "mallory" not in actors and "boss" in actors
    listed = desk.wenv.run("deadletter", "list", "--reason", UNAUTHENTICATED, "--json")
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 4, listed.stderr.decode()
    with httpx.Client(base_url=desk.base_url, headers={"Authorization": f"Bearer {TOKENS['agent']}"}) as api:
        r = api.post(f"/api/cases/{case_id}/claim", timeout=60)  # the web tier's commands are signed
    assert r.status_code == 200 and r.json()["case"]["status"] == "claimed", r.text

    # after a secret rotation, an operator re-drives a command they have read: it is signed again and applied
    held = {orjson.loads(raw)["value"]["command_id"]: r["dl_id"] for r, raw in zip(rows, raws, strict=True)
            if raw != b"not even json"}
    redriven = desk.wenv.run("deadletter", "replay", "--id", held[unsigned["command_id"]])
    assert redriven.returncode == 0, redriven.stderr.decode()
    case = _wait(lambda: (c := _case(desk, case_id))["assignee"] == "mallory" and c, 60, "the re-driven assignment")
    assert case["status"] == "claimed"
