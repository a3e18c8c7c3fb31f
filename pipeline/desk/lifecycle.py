"""The case lifecycle: the transition table and the pure function that applies a command.

One slot per case key (thread + author) holds that key's recent cases; the case agent is
its only writer. :func:`apply` never raises for a refused command: it answers with a code
(200 done, 404 unknown case, 409 conflict, 403 not allowed, 422 invalid) and leaves the slot
unchanged. Replayed commands (same ``command_id``) and replayed events (same event id)
return the first answer again without changing anything: the agent may see a message twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from pipeline.config import DeskSettings
from pipeline.desk.bounds import fit
from pipeline.desk.models import (
    AuditEvent,
    CaseState,
    Command,
    Message,
    Observation,
    Op,
    Outcome,
    Slot,
    Status,
    case_id,
    case_key,
)
from pipeline.desk.sla import RANK, Reach, case_priority, due_times

log = logging.getLogger(__name__)

S = Status
TRANSITIONS: dict[Op, dict[Status, Status]] = {
    Op.claim: {S.new: S.claimed, S.reopened: S.claimed, S.escalated: S.claimed},
    Op.reply: {S.claimed: S.replied, S.replied: S.replied, S.escalated: S.replied},
    Op.resolve: {S.claimed: S.resolved, S.replied: S.resolved, S.escalated: S.resolved},
    Op.reopen: {S.resolved: S.reopened},
    Op.assign: {s: S.claimed for s in (S.new, S.claimed, S.replied, S.reopened, S.escalated)},
    Op.escalate: {s: S.escalated for s in (S.new, S.claimed, S.replied, S.reopened)},
}
"""Allowed (command, from-status) -> to-status for the actions of people."""

SUPERVISOR_OPS = frozenset({Op.assign, Op.escalate})
NEEDS_OWNER = frozenset({Op.reply, Op.resolve})
"""Only the assignee (or a supervisor) may reply to or resolve a claimed case."""
OWNER_OR_SUPERVISOR = frozenset({Op.reopen})
"""Only the case's owner (its assignee when it was resolved) or a supervisor may reopen it."""
SUPERVISOR_FORCE = {Op.claim: {S.claimed, S.replied}}
"""Transitions a supervisor may force (``force: true``): take over a case someone else holds."""

MAX_SEEN = 1000
MAX_RESULTS = 200
MAX_CLOSED_KEPT = 5


def apply(slot: Slot, cmd: Command, cfg: DeskSettings) -> tuple[Slot, Outcome]:
    """Apply ``cmd``; return the new slot and the outcome (the slot is copied, never mutated)."""
    if cmd.command_id in slot.results:
        cached = slot.results[cmd.command_id]
        return slot, Outcome(
            code=int(cached["code"]),
            message=str(cached.get("message", "")) + " (repeated command)",
            case=slot.cases.get(str(cached.get("case_id", ""))),
        )
    new = slot.model_copy(deep=True)
    if cmd.op is Op.observe:
        outcome = _observe(new, cmd, cfg)
    else:
        outcome = _act(new, cmd, cfg)
    if outcome.code != 200 and cmd.op is not Op.observe:
        # refused: remember the answer (a replay gets the same one), change nothing else
        slot = slot.model_copy(deep=True)
        _remember(slot, cmd, outcome)
        return slot, outcome
    _remember(new, cmd, outcome)
    fit(new)  # the record must fit one Kafka message
    return new, outcome


def _remember(slot: Slot, cmd: Command, outcome: Outcome) -> None:
    slot.results[cmd.command_id] = {
        "code": outcome.code,
        "message": outcome.message,
        "case_id": outcome.case.case_id if outcome.case else "",
    }
    while len(slot.results) > MAX_RESULTS:
        slot.results.pop(next(iter(slot.results)))


# ---- observe: new case, join, reopen ------------------------------------------------------


def _observe(slot: Slot, cmd: Command, cfg: DeskSettings) -> Outcome:
    obs = cmd.observation
    if obs is None:
        return Outcome(code=422, message="observe needs an observation")
    if obs.event_id in slot.seen:
        latest = slot.latest()
        return Outcome(code=200, message="event already seen", case=latest)
    slot.seen.append(obs.event_id)
    del slot.seen[:-MAX_SEEN]
    window = timedelta(hours=cfg.desk_join_window_hours)
    latest = slot.latest()
    if latest is not None and abs(obs.created_at - latest.last_message_at) <= window:
        if latest.status is Status.resolved:
            return _reopen(latest, cmd, cfg, obs=obs)
        return _join(latest, obs, cmd, cfg)
    return _new_case(slot, obs, cmd, cfg)


def _message(obs: Observation) -> Message:
    return Message(event_id=obs.event_id, kind=obs.kind, created_at=obs.created_at, text=obs.text)


def _reach(case: CaseState, obs: Observation | None = None) -> Reach:
    return Reach(
        followers=max(case.author_followers, obs.author_followers if obs else 0),
        verified=case.author_verified or bool(obs and obs.author_verified),
        verified_type=case.author_verified_type
        if not obs or obs.author_verified_type == "none"
        else obs.author_verified_type,
        repeats=case.repeats,
        engagement=case.max_engagement,
        sentiment=case.sentiment,
        sentiment_score=case.sentiment_score,
        category=case.category,
    )


def _new_case(slot: Slot, obs: Observation, cmd: Command, cfg: DeskSettings) -> Outcome:
    slot.seq += 1
    key = case_key(obs.thread_id, obs.author_id)
    now = cmd.at
    case = CaseState(
        case_id=case_id(key, slot.seq),
        case_key=key,
        thread_id=obs.thread_id,
        platform=obs.platform,
        link=obs.url,
        author_id=obs.author_id,
        author_name=obs.author_name,
        author_followers=obs.author_followers,
        author_verified=obs.author_verified,
        author_verified_type=obs.author_verified_type,
        text=obs.text,
        category=obs.category,
        detector_priority=obs.detector_priority,
        priority=obs.detector_priority,
        sentiment=obs.sentiment,
        sentiment_score=obs.sentiment_score,
        brand=obs.brand,
        opened_at=now,
        first_message_at=obs.created_at,
        last_message_at=obs.created_at,
        updated_at=now,
        first_response_due=now,
        resolution_due=now,
        max_engagement=obs.engagement,
        messages=[_message(obs)],
    )
    case.priority = case_priority(obs.detector_priority, _reach(case), cfg)
    case.first_response_due, case.resolution_due = due_times(case.priority, now, cfg)
    slot.cases[case.case_id] = case
    _prune(slot)
    event = AuditEvent(
        case_id=case.case_id,
        revision=1,
        at=now,
        op="open",
        actor=cmd.actor,
        from_status="",
        to_status=case.status.value,
        event_id=obs.event_id,
    )
    return Outcome(code=200, message="case opened", case=case, events=[event], new_messages=[_message(obs)])


def _join(case: CaseState, obs: Observation, cmd: Command, cfg: DeskSettings) -> Outcome:
    msg = _message(obs)
    case.messages = sorted([*case.messages, msg], key=lambda m: m.created_at)[-cfg.desk_thread_messages :]
    case.repeats += 1
    case.last_message_at = max(case.last_message_at, obs.created_at)
    case.max_engagement = max(case.max_engagement, obs.engagement)
    case.author_followers = max(case.author_followers, obs.author_followers)
    if RANK.get(obs.detector_priority, 2) < RANK.get(case.detector_priority, 2):
        case.detector_priority = obs.detector_priority
    _raise_priority(case, case_priority(case.detector_priority, _reach(case, obs), cfg, escalated=case.escalated), cfg)
    event = _record(case, cmd, "follow_up", case.status, event_id=obs.event_id)
    return Outcome(code=200, message="joined the open case", case=case, events=[event], new_messages=[msg])


def _record(
    case: CaseState, cmd: Command, op: str, before: Status, *, assignee: str = "", note: str = "", event_id: str = ""
) -> AuditEvent:
    """Stamp ``case`` with the command's time and its next revision; the audit event of that revision."""
    case.updated_at = cmd.at
    case.revision += 1
    return AuditEvent(
        case_id=case.case_id,
        revision=case.revision,
        at=cmd.at,
        op=op,
        actor=cmd.actor,
        from_status=before.value,
        to_status=case.status.value,
        assignee=assignee,
        note=note,
        event_id=event_id,
    )


def _raise_priority(case: CaseState, priority: str, cfg: DeskSettings) -> None:
    """Raise (never lower) the priority; due times move earlier accordingly."""
    if RANK[priority] >= RANK.get(case.priority, 2):
        return
    case.priority = priority
    first, resolve = due_times(priority, case.opened_at, cfg)
    case.first_response_due = min(case.first_response_due, first)
    case.resolution_due = min(case.resolution_due, resolve)


def _reopen(case: CaseState, cmd: Command, cfg: DeskSettings, *, obs: Observation | None = None) -> Outcome:
    before = case.status
    case.status = Status.reopened
    case.reopen_count += 1
    case.resolved_at = None
    case.first_response_at = None
    case.first_response_due, case.resolution_due = due_times(case.priority, cmd.at, cfg)
    new_messages: list[Message] = []
    if obs is not None:
        msg = _message(obs)
        new_messages.append(msg)
        case.messages = [*case.messages, msg][-cfg.desk_thread_messages :]
        case.repeats += 1
        case.last_message_at = max(case.last_message_at, obs.created_at)
    event = _record(case, cmd, "reopen", before, note=cmd.note, event_id=obs.event_id if obs else "")
    return Outcome(code=200, message="case reopened", case=case, events=[event], new_messages=new_messages)


def _prune(slot: Slot) -> None:
    closed = [cid for cid, c in slot.cases.items() if c.status is Status.resolved]
    for cid in closed[:-MAX_CLOSED_KEPT] if len(closed) > MAX_CLOSED_KEPT else []:
        del slot.cases[cid]


# ---- people's actions ---------------------------------------------------------------------


def check(case: CaseState, cmd: Command) -> Outcome | None:
    """Why ``cmd`` may not run on ``case`` (an outcome with 403/409/422), or None when it may."""
    if cmd.role in ("readonly", "system"):
        return Outcome(code=403, message=f"{cmd.op.value} needs the agent role")
    supervisor = cmd.role == "supervisor"
    if cmd.op in SUPERVISOR_OPS and not supervisor:
        return Outcome(code=403, message=f"{cmd.op.value} needs the supervisor role")
    if cmd.force and not supervisor:
        return Outcome(code=403, message="force needs the supervisor role")
    if cmd.op is Op.assign and not cmd.assignee:
        return Outcome(code=422, message="assign needs an assignee")
    allowed = TRANSITIONS[cmd.op]
    forced = cmd.force and case.status in SUPERVISOR_FORCE.get(cmd.op, set())
    if case.status not in allowed and not forced:
        who = f" by {case.assignee}" if case.assignee and case.status in (S.claimed, S.replied) else ""
        return Outcome(code=409, message=f"cannot {cmd.op.value} a case that is {case.status.value}{who}", case=case)
    if cmd.op in NEEDS_OWNER and not supervisor and case.assignee != cmd.actor:
        holder = case.assignee or "nobody"
        return Outcome(code=409, message=f"the case is held by {holder}; claim it first", case=case)
    if cmd.op in OWNER_OR_SUPERVISOR and not supervisor and case.assignee != cmd.actor:
        holder = case.assignee or "nobody"
        message = f"only its owner ({holder}) or a supervisor may reopen a resolved case"
        return Outcome(code=403, message=message, case=case)
    return None


def _act(slot: Slot, cmd: Command, cfg: DeskSettings) -> Outcome:
    case = slot.cases.get(cmd.case_id or "")
    if case is None:
        return Outcome(code=404, message=f"no case {cmd.case_id}")
    refused = check(case, cmd)
    if refused is not None:
        return refused
    if cmd.op is Op.reopen:
        latest = slot.latest()
        if latest is not None and latest.case_id != case.case_id:
            return Outcome(
                code=409, message=f"a newer case {latest.case_id} exists for this author and thread", case=case
            )
        return _reopen(case, cmd, cfg)
    before = case.status
    forced = before not in TRANSITIONS[cmd.op]
    case.status = TRANSITIONS[cmd.op].get(before, S.claimed if cmd.op is Op.claim else before)
    if cmd.op is Op.claim:
        case.assignee = cmd.actor
    elif cmd.op is Op.assign:
        case.assignee = cmd.assignee
    elif cmd.op is Op.reply and case.first_response_at is None:
        case.first_response_at = cmd.at
    elif cmd.op is Op.resolve:
        case.resolved_at = cmd.at
        if case.first_response_at is None:
            case.first_response_at = cmd.at
    elif cmd.op is Op.escalate:
        case.escalated = True
        _raise_priority(case, "urgent", cfg)
    op = cmd.op.value + ("(forced)" if forced else "")
    event = _record(case, cmd, op, before, assignee=case.assignee, note=cmd.note)
    return Outcome(code=200, message=f"case {case.status.value}", case=case, events=[event])
