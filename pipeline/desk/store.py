"""The ClickHouse mirror of the desk: rows written by the case agent, queries read by the API.

Every statement is parameterised (``%(name)s``, escaped by the storage layer); filters are
validated by the API before they get here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pipeline.desk.models import AuditEvent, CaseState, Message
from pipeline.storage import ClickHouse
from pipeline.storage.sql import latest_rows

log = logging.getLogger(__name__)

CASE_COLUMNS = (
    "case_id",
    "case_key",
    "thread_id",
    "platform",
    "link",
    "author_id",
    "author_name",
    "author_followers",
    "author_verified",
    "author_verified_type",
    "text",
    "category",
    "detector_priority",
    "priority",
    "sentiment",
    "sentiment_score",
    "brand",
    "status",
    "assignee",
    "escalated",
    "opened_at",
    "first_message_at",
    "last_message_at",
    "updated_at",
    "first_response_due",
    "resolution_due",
    "first_response_at",
    "resolved_at",
    "reopen_count",
    "repeats",
    "revision",
)
EVENT_COLUMNS = (
    "case_id",
    "revision",
    "at",
    "op",
    "actor",
    "from_status",
    "to_status",
    "assignee",
    "note",
    "event_id",
    "platform",
    "category",
    "brand",
    "priority",
)
MESSAGE_COLUMNS = ("case_id", "event_id", "kind", "created_at", "text")

_PRIORITY_RANK = "multiIf(priority = 'urgent', 0, priority = 'high', 1, priority = 'normal', 2, 3)"
_NEXT_DUE = "if(isNull(first_response_at), first_response_due, resolution_due)"
_OVERDUE = (
    "(status != 'resolved' AND ((isNull(first_response_at) AND first_response_due < %(now)s) "
    "OR resolution_due < %(now)s))"
)


def case_row(case: CaseState) -> tuple[Any, ...]:
    """The ``desk_cases`` row of a case state."""
    d = case.model_dump()
    d["status"] = case.status.value
    d["author_verified"] = int(case.author_verified)
    d["escalated"] = int(case.escalated)
    return tuple(d[c] for c in CASE_COLUMNS)


def event_row(event: AuditEvent, case: CaseState) -> tuple[Any, ...]:
    """The ``desk_case_events`` row of a transition."""
    d = event.model_dump()
    d.update(platform=case.platform, category=case.category, brand=case.brand, priority=case.priority)
    return tuple(d[c] for c in EVENT_COLUMNS)


def write_outcomes(ch: ClickHouse, outcomes: Sequence[tuple[CaseState, Sequence[AuditEvent], Sequence[Message]]]
                   ) -> None:
    """Mirror a batch of applied commands, (case, events, new messages) each, with one insert per table.

    Blocking; idempotent: the same revision rewrites the same rows. A case changed twice in the batch
    gets both revisions' rows, and ``desk_cases`` keeps the later one.
    """
    messages = [(case.case_id, m.event_id, m.kind, m.created_at, m.text) for case, _, new in outcomes for m in new]
    if messages:
        ch.insert("desk_case_messages", MESSAGE_COLUMNS, messages)
    events = [event_row(e, case) for case, audit, _ in outcomes for e in audit]
    if events:
        ch.insert("desk_case_events", EVENT_COLUMNS, events)
    if outcomes:
        ch.insert("desk_cases", CASE_COLUMNS, [case_row(case) for case, _, _ in outcomes])


def list_cases(
    ch: ClickHouse, filters: dict[str, Any], now: datetime, limit: int = 200, offset: int = 0
) -> list[dict[str, Any]]:
    """Cases sorted by urgency: overdue first, then priority, then the next due time.

    Two reads. The page's ids are chosen with ``FINAL`` over the few columns the filters and the order
    need; then the latest revision of each is read through the primary key, with ``PREWHERE`` and
    without ``FINAL``: ``FINAL`` reads every column of every row of each granule the ids touch (8,192
    rows apiece), which took 0.8 s for a page of 100 at 365,000 cases on 18.16, the ``PREWHERE`` read
    0.03-0.06 s (docs/benchmark.md#bi-and-api-latency). A case changed between the two reads is shown
    as it is now, in the place its earlier state earned.
    """
    where = ["1"]
    params: dict[str, Any] = {"now": now, "limit": limit, "offset": offset}
    for name in ("status", "priority", "category", "brand", "platform", "assignee"):
        value = filters.get(name)
        if value is not None:
            where.append(f"{name} = %({name})s")
            params[name] = value
    overdue = filters.get("overdue")
    if overdue is not None:
        where.append(_OVERDUE if overdue else f"NOT {_OVERDUE}")
    if filters.get("open_only"):
        where.append("status != 'resolved'")
    page = ch.query(
        f"SELECT case_id, {_OVERDUE} AS overdue, {_NEXT_DUE} AS next_due, {_PRIORITY_RANK} AS priority_rank "
        f"FROM desk_cases FINAL WHERE {' AND '.join(where)} "
        "ORDER BY overdue DESC, (status = 'resolved') ASC, priority_rank ASC, next_due ASC, case_id ASC "
        "LIMIT %(limit)s OFFSET %(offset)s",
        params,
    )
    if not page:
        return []
    rows = ch.query(
        f"SELECT *, {_OVERDUE} AS overdue, {_NEXT_DUE} AS next_due "
        f"FROM {latest_rows('desk_cases', 'case_id IN %(ids)s', 'case_id', 'revision')}",
        {"now": now, "ids": tuple(r["case_id"] for r in page)},
    )
    latest = {r["case_id"]: r for r in rows}
    return [_clean(latest[r["case_id"]]) for r in page if r["case_id"] in latest]


def get_case(ch: ClickHouse, case_id: str, now: datetime) -> dict[str, Any] | None:
    """One case with its messages and audit trail, or None."""
    rows = ch.query(
        f"SELECT *, {_OVERDUE} AS overdue, {_NEXT_DUE} AS next_due FROM desk_cases FINAL WHERE case_id = %(id)s",
        {"id": case_id, "now": now},
    )
    if not rows:
        return None
    case = _clean(rows[0])
    case["messages"] = ch.query(
        "SELECT event_id, kind, created_at, text FROM desk_case_messages FINAL WHERE case_id = %(id)s "
        "ORDER BY created_at, event_id",
        {"id": case_id},
    )
    case["audit"] = ch.query(
        "SELECT revision, at, op, actor, from_status, to_status, assignee, note, event_id "
        "FROM desk_case_events FINAL WHERE case_id = %(id)s ORDER BY revision",
        {"id": case_id},
    )
    return case


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    for flag in ("overdue", "author_verified", "escalated"):
        if flag in row:
            row[flag] = bool(row[flag])
    row.pop("priority_rank", None)
    return row


_BREACHED = (
    "((first_response_at IS NOT NULL AND first_response_at > first_response_due) "
    "OR (first_response_at IS NULL AND status != 'resolved' AND first_response_due < %(now)s) "
    "OR (resolved_at IS NOT NULL AND resolved_at > resolution_due) "
    "OR (resolved_at IS NULL AND status != 'resolved' AND resolution_due < %(now)s))"
)


def case_counts(ch: ClickHouse, now: datetime) -> tuple[dict[str, int], int]:
    """(cases by status, cases whose first response or resolution was or is now later than its SLA)."""
    rows = ch.query(
        f"SELECT status, count() AS n, countIf({_BREACHED}) AS breached FROM desk_cases FINAL GROUP BY status",
        {"now": now},
    )
    return {str(r["status"]): int(r["n"]) for r in rows}, sum(int(r["breached"]) for r in rows)
