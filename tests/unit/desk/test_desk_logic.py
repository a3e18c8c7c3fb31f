"""Pure desk logic: case keys and the joining window, priority and SLA, the transition table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.config import DeskSettings
from pipeline.desk.lifecycle import TRANSITIONS, apply
from pipeline.desk.models import CASE_ID, Command, Observation, Op, Slot, Status, case_key, key_of, link_for
from pipeline.desk.sla import Reach, case_priority, due_times, is_overdue

CFG = DeskSettings(desk_join_window_hours=48)
T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def obs(
    event_id: str, *, at: datetime = T0, author: str = "u1", thread: str = "weibo:100", **kw: object
) -> Observation:
    base: dict[str, object] = dict(
        event_id=event_id,
        platform="weibo",
        kind="comment",
        thread_id=thread,
        url="https://weibo.com/detail/1",
        author_id=author,
        author_name="小王",
        text="但是现在过了退货时间了我申请售后连售后都过时间了",
        created_at=at,
        category="return_exchange",
        detector_priority="normal",
    )
    base.update(kw)
    return Observation.model_validate(base)


def observe(slot: Slot, o: Observation, at: datetime = T0) -> tuple[Slot, object]:
    return apply(slot, Command(op=Op.observe, command_id=f"obs:{o.event_id}", at=at, observation=o), CFG)


def act(slot: Slot, op: Op, case_id: str, actor: str = "alice", role: str = "agent", n: int = 0, **kw: object):  # type: ignore[no-untyped-def]
    cmd = Command(
        op=op,
        command_id=f"{op}-{actor}-{n}-{kw}",
        at=T0 + timedelta(minutes=5),
        actor=actor,
        role=role,
        case_id=case_id,
        **kw,
    )  # type: ignore[arg-type]
    return apply(slot, cmd, CFG)


def test_case_key_and_id_route_to_the_same_key() -> None:
    key = case_key("weibo:100", "u1")
    assert len(key) == 16 and key != case_key("weibo:100", "u2") and key != case_key("weibo:101", "u1")
    slot, out = observe(Slot(), obs("weibo:1"))
    assert out.case is not None and CASE_ID.match(out.case.case_id) and key_of(out.case.case_id) == key


def test_follow_ups_within_the_window_join_the_open_case_and_replays_change_nothing() -> None:
    slot, first = observe(Slot(), obs("weibo:1"))
    slot, second = observe(slot, obs("weibo:2", at=T0 + timedelta(hours=47)))
    assert second.case.case_id == first.case.case_id and second.case.repeats == 1  # type: ignore[union-attr]
    assert len(second.case.messages) == 2  # type: ignore[union-attr]
    again, dup = observe(slot, obs("weibo:2", at=T0 + timedelta(hours=47)))
    assert dup.events == [] and again.model_dump() == slot.model_dump()
    slot, third = observe(slot, obs("weibo:3", at=T0 + timedelta(hours=47 + 49)))
    assert third.case.case_id != first.case.case_id and third.case.case_id.endswith("-2")  # type: ignore[union-attr]


def test_author_writing_after_resolution_reopens_the_case() -> None:
    slot, first = observe(Slot(), obs("weibo:1"))
    cid = first.case.case_id  # type: ignore[union-attr]
    slot, _ = act(slot, Op.claim, cid)
    slot, _ = act(slot, Op.resolve, cid)
    assert slot.cases[cid].status is Status.resolved
    slot, out = observe(slot, obs("weibo:2", at=T0 + timedelta(hours=2)))
    assert out.case.case_id == cid and out.case.status is Status.reopened and out.case.reopen_count == 1  # type: ignore[union-attr]


def test_transition_table_and_roles() -> None:
    slot, first = observe(Slot(), obs("weibo:1"))
    cid = first.case.case_id  # type: ignore[union-attr]
    _, out = act(slot, Op.reply, cid, note="hi")
    assert out.code == 409  # claim first
    _, out = act(slot, Op.assign, cid, assignee="bob")
    assert out.code == 403
    _, out = act(slot, Op.claim, cid, role="readonly")
    assert out.code == 403
    _, out = act(slot, Op.claim, "0000000000000000-9")
    assert out.code == 404
    slot, out = act(slot, Op.claim, cid)
    assert out.code == 200 and out.case.assignee == "alice"  # type: ignore[union-attr]
    _, out = act(slot, Op.claim, cid, actor="bob", n=1)
    assert out.code == 409 and "alice" in out.message
    _, out = act(slot, Op.reply, cid, actor="bob", note="x")
    assert out.code == 409
    taken, out = act(slot, Op.claim, cid, actor="boss", role="supervisor", force=True)
    assert out.code == 200 and out.case.assignee == "boss"  # type: ignore[union-attr]
    slot, out = act(slot, Op.reply, cid, note="您好")
    assert out.code == 200 and out.case.status is Status.replied and out.case.first_response_at is not None  # type: ignore[union-attr]
    slot, out = act(slot, Op.resolve, cid)
    assert out.code == 200 and out.case.status is Status.resolved  # type: ignore[union-attr]
    _, out = act(slot, Op.resolve, cid, n=2)
    assert out.code == 409
    slot, out = act(slot, Op.reopen, cid)
    assert out.code == 200 and out.case.status is Status.reopened  # type: ignore[union-attr]
    slot, out = act(slot, Op.escalate, cid, actor="boss", role="supervisor")
    assert out.code == 200 and out.case.status is Status.escalated and out.case.priority == "urgent"  # type: ignore[union-attr]
    revisions = [e.revision for e in [out.events[-1]]]
    assert revisions == [slot.cases[cid].revision]


def test_repeated_command_returns_the_first_answer() -> None:
    slot, first = observe(Slot(), obs("weibo:1"))
    cid = first.case.case_id  # type: ignore[union-attr]
    cmd = Command(op=Op.claim, command_id="same", at=T0, actor="alice", role="agent", case_id=cid)
    slot, a = apply(slot, cmd, CFG)
    slot2, b = apply(slot, cmd, CFG)
    assert a.code == b.code == 200 and slot2.cases[cid].revision == slot.cases[cid].revision


@pytest.mark.parametrize(("op", "status"), [(op, st) for op, table in TRANSITIONS.items() for st in table])
def test_every_listed_transition_is_reachable(op: Op, status: Status) -> None:
    assert TRANSITIONS[op][status] in Status


def test_priority_from_reach_and_sla_due_times() -> None:
    assert case_priority("normal", Reach(), CFG) == "normal"
    assert case_priority("normal", Reach(followers=200_000), CFG) == "high"
    assert (
        case_priority("normal", Reach(verified=True, verified_type="media", repeats=3, engagement=5000), CFG)
        == "urgent"
    )
    assert case_priority("low", Reach(repeats=2), CFG) == "normal"
    assert case_priority("low", Reach(), CFG, escalated=True) == "urgent"
    first, resolve = due_times("urgent", T0, CFG)
    assert first == T0 + timedelta(minutes=30) and resolve == T0 + timedelta(minutes=240)
    cfg = DeskSettings(sla_first_response="urgent:1,high:2,normal:3,low:4")
    assert due_times("low", T0, cfg)[0] == T0 + timedelta(minutes=4)
    with pytest.raises(ValueError):
        DeskSettings(sla_first_response="urgent:1")
    assert is_overdue(
        T0 + timedelta(hours=1),
        status="new",
        first_response_due=T0,
        first_response_at=None,
        resolution_due=T0 + timedelta(days=1),
    )
    assert not is_overdue(
        T0 + timedelta(hours=1), status="resolved", first_response_due=T0, first_response_at=None, resolution_due=T0
    )


def test_follow_ups_raise_priority_through_repeats() -> None:
    slot, out = observe(Slot(), obs("weibo:1", detector_priority="low"))
    assert out.case.priority == "low"  # type: ignore[union-attr]
    slot, _ = observe(slot, obs("weibo:2", detector_priority="low"))
    slot, out = observe(slot, obs("weibo:3", detector_priority="low"))
    assert out.case.priority == "normal"  # type: ignore[union-attr]
    assert out.case.first_response_due <= T0 + timedelta(minutes=240)  # type: ignore[union-attr]


def test_links() -> None:
    assert link_for("weibo", "weibo:123", []) == "https://weibo.com/detail/123"
    assert link_for("other", "x:1", ["https://a.example/1"]) == "https://a.example/1"


def test_only_the_owner_or_a_supervisor_reopens_a_resolved_case() -> None:
    slot, out = observe(Slot(), obs("weibo:1"))
    cid = out.case.case_id  # type: ignore[attr-defined]
    slot, _ = act(slot, Op.claim, cid)
    slot, out = act(slot, Op.resolve, cid)
    assert out.code == 200 and out.case.assignee == "alice"  # type: ignore[union-attr]
    _, out = act(slot, Op.reopen, cid, actor="bob")
    assert out.code == 403 and "alice" in out.message and "supervisor" in out.message
    assert slot.cases[cid].status is Status.resolved
    _, out = act(slot, Op.reopen, cid, actor="boss", role="supervisor")
    assert out.code == 200 and out.case.status is Status.reopened  # type: ignore[union-attr]
    _, out = act(slot, Op.reopen, cid)
    assert out.code == 200 and out.case.status is Status.reopened  # type: ignore[union-attr]


def test_links_are_only_http_or_https() -> None:
    assert link_for("other", "x:1", ["javascript:alert(1)", "JAVASCRIPT:x", "data:text/html,x"]) == ""
    assert link_for("other", "x:1", ["javascript:alert(1)", "HTTPS://a.example/1"]) == "HTTPS://a.example/1"
    assert link_for("other", "x:1", [" javascript:x", "ftp://a.example"]) == ""
