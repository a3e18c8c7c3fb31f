"""Tracking messages (clicks, visits, conversions) -> validated rows, or dead letters with the reason.

Pure: no I/O. The worker's stages call :func:`decode_tracking` on the records of a batch that came
from the tracking topics; the batch writer stores the rows with the mentions of the same batch,
before the batch's offsets are released.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from pipeline.decode import describe_validation_error, unpack
from pipeline.records import RawRecord, TableRows, dead_letter
from pipeline.tracking.rows import click_row, conversion_row, visit_row
from schemas.deadletter import DeadLetter, Stage
from schemas.tracking import ClickEvent, ConversionEvent, VisitEvent

MAX_TRACKING_BYTES = 8192
"""A tracking event is a few hundred bytes; anything over this is refused (reason ``too_large``)."""


class _Kind:
    def __init__(self, table: str, model: type[BaseModel], row: Callable[[Any, int], tuple[Any, ...]],
                 key: Callable[[Any], str]) -> None:
        self.table, self.model, self.row, self.key = table, model, row, key


KINDS: dict[str, _Kind] = {
    "clicks": _Kind("clicks", ClickEvent, click_row, lambda ev: ev.click_id),
    "visits": _Kind("visits", VisitEvent, visit_row, lambda ev: ev.event_id),
    "conversions": _Kind("conversions", ConversionEvent, conversion_row, lambda ev: ev.order_id),
}
"""Short topic name -> the table, model and row of its events."""


def _decode_one(raw: bytes | None, kind: _Kind) -> BaseModel:
    """Validate one message; raises ValueError-like (reason, message) through :class:`_Rejected`."""
    if not raw:
        raise _Rejected("empty", "the message has no value", Stage.decode)
    if len(raw) > MAX_TRACKING_BYTES:
        raise _Rejected("too_large", f"message is {len(raw)} bytes; a tracking event may have "
                        f"{MAX_TRACKING_BYTES}", Stage.decode)
    try:
        return kind.model.model_validate_json(raw)
    except ValidationError as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise _Rejected("invalid_utf8", f"not valid UTF-8 at byte {bad.start}", Stage.decode) from None
        reason, message = describe_validation_error(exc)
        stage = Stage.decode if reason in ("invalid_json", "not_an_object") else Stage.validate
        raise _Rejected(reason, message, stage) from None


class _Rejected(Exception):
    def __init__(self, reason: str, message: str, stage: Stage) -> None:
        super().__init__(message)
        self.reason, self.message, self.stage = reason, message, stage


def decode_tracking(
    records: Sequence[RawRecord], kinds_by_topic: Mapping[str, str], version: int | None = None,
) -> tuple[dict[str, TableRows], list[DeadLetter]]:
    """Rows per table for the valid records, dead letters for the others.

    ``kinds_by_topic`` maps a full topic name to its short name (``clicks``, ``visits``, ``conversions``).
    """
    version = version if version is not None else time.time_ns() // 1000
    tables: dict[str, TableRows] = {}
    dead: list[DeadLetter] = []
    for rec in unpack(records):
        kind = KINDS[kinds_by_topic[rec.topic]]
        try:
            ev = _decode_one(rec.value, kind)
        except _Rejected as rej:
            dead.append(dead_letter(rec, rej.stage, rej.reason, rej.message))
            continue
        out = tables.setdefault(kind.table, TableRows())
        out.records.append(rec)
        out.rows.append(kind.row(ev, version))
        out.ids.append(kind.key(ev))
    return tables, dead
