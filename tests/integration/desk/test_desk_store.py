"""The desk's ClickHouse mirror on both engines (chDB and clickhouse-server 18.16): rows, queue order, BI views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.config import DeskSettings
from pipeline.desk import store
from pipeline.desk.lifecycle import apply
from pipeline.desk.models import Command, Observation, Op, Slot

pytestmark = pytest.mark.integration
CFG = DeskSettings()
NOW = datetime.now(UTC).replace(microsecond=0)


def _open(slot: Slot, event_id: str, author: str, priority: str, at: datetime):  # type: ignore[no-untyped-def]
    o = Observation(
        event_id=event_id,
        platform="weibo",
        kind="post",
        thread_id=event_id,
        url="https://weibo.com/detail/1",
        author_id=author,
        author_name="小李",
        text="快递三天了还没发货，客服也不理人",
        created_at=at,
        category="logistics",
        detector_priority=priority,
        brand="蒙牛",
    )
    return apply(slot, Command(op=Op.observe, command_id=event_id, at=at, observation=o), CFG)


def test_mirror_queue_order_detail_and_views(ch) -> None:  # type: ignore[no-untyped-def]
    outcomes = []
    for i, (prio, age) in enumerate([("low", 0), ("urgent", 0), ("normal", 600), ("high", 0)]):
        slot, out = _open(Slot(), f"weibo:{i + 1}", f"u{i}", prio, NOW - timedelta(minutes=age))
        store.write_outcomes(ch, [(out.case, out.events, out.new_messages)])
        outcomes.append((slot, out))
    slot, out = outcomes[1]
    cid = out.case.case_id
    for n, op in enumerate((Op.claim, Op.reply, Op.resolve)):
        slot, out = apply(
            slot,
            Command(
                op=op,
                command_id=f"c{n}",
                at=NOW,
                actor="alice",
                role="agent",
                case_id=cid,
                note="已处理'; DROP TABLE desk_cases; --",
            ),
            CFG,
        )
        assert out.code == 200
        store.write_outcomes(ch, [(out.case, out.events, out.new_messages)])
        store.write_outcomes(ch, [(out.case, out.events, out.new_messages)])  # a replay rewrites the same rows

    queue = store.list_cases(ch, {}, NOW)
    assert [c["priority"] for c in queue] == ["normal", "high", "low", "urgent"]  # overdue first, resolved last
    assert queue[0]["overdue"] is True
    assert queue[-1]["status"] == "resolved" and queue[-1]["assignee"] == "alice"  # the latest revision's whole row
    assert [c["priority"] for c in store.list_cases(ch, {"open_only": True, "brand": "蒙牛"}, NOW)] == [
        "normal",
        "high",
        "low",
    ]
    assert store.list_cases(ch, {"brand": "x' OR '1'='1"}, NOW) == []
    detail = store.get_case(ch, cid, NOW)
    assert detail is not None and detail["status"] == "resolved"
    assert [a["op"] for a in detail["audit"]] == ["open", "claim", "reply", "resolve"]
    assert detail["messages"][0]["text"] == "快递三天了还没发货，客服也不理人"

    daily = ch.query("SELECT * FROM desk_sla_daily ORDER BY day")
    assert sum(r["cases_opened"] for r in daily) == 4 and sum(r["cases_resolved"] for r in daily) == 1
    assert sum(r["first_response_breaches"] for r in daily) == 1
    backlog = ch.query("SELECT sum(open_cases) AS n FROM desk_backlog_daily WHERE day = today()")
    assert int(backlog[0]["n"]) == 3
    assert ch.query("SELECT count() AS n FROM desk_case_events FINAL")[0]["n"] == 7


def test_a_batch_is_mirrored_as_its_commands_one_by_one(ch) -> None:  # type: ignore[no-untyped-def]
    # the agent's batch: three cases opened, then one of them claimed and answered, all in one write
    batch, slots = [], []
    for i in range(3):
        slot, out = _open(Slot(), f"weibo:b{i}", f"b{i}", "normal", NOW)
        batch.append((out.case, out.events, out.new_messages))
        slots.append(slot)
    slot, cid = slots[0], batch[0][0].case_id
    for n, op in enumerate((Op.claim, Op.reply)):
        slot, out = apply(slot, Command(op=op, command_id=f"b{n}", at=NOW, actor="alice", role="agent", case_id=cid,
                                        note="已为您补发"), CFG)
        assert out.code == 200
        batch.append((out.case, out.events, out.new_messages))
    store.write_outcomes(ch, batch)
    latest = {case.case_id: case for case, _, _ in batch}  # the later revision of a case wins
    rows = {r["case_id"]: r for r in ch.query("SELECT case_id, status, revision FROM desk_cases FINAL")}
    assert {k: (r["status"], r["revision"]) for k, r in rows.items()} == {
        k: (c.status.value, c.revision) for k, c in latest.items()}
    assert rows[cid]["status"] == "replied"
    events = ch.query("SELECT count() AS n FROM desk_case_events")[0]["n"]
    messages = ch.query("SELECT count() AS n FROM desk_case_messages")[0]["n"]
    assert events == sum(len(e) for _, e, _ in batch) and messages == sum(len(m) for _, _, m in batch)
    store.write_outcomes(ch, batch)  # a replayed batch rewrites the same rows
    assert ch.query("SELECT count() AS n FROM desk_cases FINAL")[0]["n"] == 3
