"""Tracking messages -> rows for their tables, or dead letters naming the reason (pure, no services)."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.records import RawRecord
from pipeline.tracking.decode import decode_tracking
from pipeline.tracking.rows import CLICK_COLUMNS, CONVERSION_COLUMNS, VISIT_COLUMNS
from schemas.tracking import ClickEvent, ConversionEvent, UaClass, VisitEvent, VisitKind

AT = datetime(2026, 12, 1, 10, 0, 0, 123000, tzinfo=UTC)
TOPICS = {"p.clicks": "clicks", "p.visits": "visits", "p.conversions": "conversions"}


def _rec(topic: str, value: bytes | None, offset: int = 0) -> RawRecord:
    return RawRecord(topic, 0, offset, value)


def test_valid_events_become_rows_in_column_order() -> None:
    click = ClickEvent(click_id="a" * 32, code="abcd1234", clicked_at=AT, ua_class=UaClass.wechat,
                       visitor_id="visitor01", ip_hash="0" * 16)
    beacon = VisitEvent(view_id="view0001", seq=2, kind=VisitKind.leave, visitor_id="visitor01", code="abcd1234",
                        at=AT, dwell_ms=42_000)
    order = ConversionEvent(order_id="o-1", ordered_at=AT, amount_cents=1990, visitor_id="visitor01")
    packed = b"\n".join([click.model_dump_json().encode(), click.model_dump_json().encode()])  # two in a message
    tables, dead = decode_tracking([_rec("p.clicks", packed), _rec("p.visits", beacon.model_dump_json().encode()),
                                    _rec("p.conversions", order.model_dump_json().encode())], TOPICS, version=7)
    assert dead == []
    clicks = [dict(zip(CLICK_COLUMNS, r, strict=True)) for r in tables["clicks"].rows]
    assert len(clicks) == 2 and clicks[0]["clicked_at"] == AT.replace(microsecond=0) and clicks[0]["version"] == 7
    assert clicks[0]["ua_class"] == "wechat" and clicks[0]["bot"] == 0
    [visit] = [dict(zip(VISIT_COLUMNS, r, strict=True)) for r in tables["visits"].rows]
    assert (visit["event_id"], visit["dwell_ms"], visit["kind"]) == ("view0001:2", 42_000, "leave")
    [row] = [dict(zip(CONVERSION_COLUMNS, r, strict=True)) for r in tables["conversions"].rows]
    assert (row["order_id"], row["amount_cents"], row["currency"]) == ("o-1", 1990, "CNY")
    assert tables["conversions"].ids == ["o-1"]


def test_bad_messages_become_dead_letters_with_reasons() -> None:
    records = [
        _rec("p.clicks", b'{"code": "abcd"}', 1),
        _rec("p.visits", b"not json", 2),
        _rec("p.conversions", b'{"order_id": "a b", "ordered_at": "2026-12-01T10:00:00Z", "amount_cents": 1}', 3),
        _rec("p.clicks", None, 4),
        _rec("p.clicks", b"x" * 9000, 5),
        _rec("p.visits", b'{"view_id": "\xff"}', 6),
    ]
    tables, dead = decode_tracking(records, TOPICS)
    assert tables == {}
    assert [(d.offset, d.reason) for d in dead] == [
        (1, "missing_field"), (2, "invalid_json"), (3, "validation"), (4, "empty"), (5, "too_large"),
        (6, "invalid_utf8")]
    assert all(d.source_topic.startswith("p.") for d in dead)
