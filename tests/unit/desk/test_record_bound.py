"""A key's record stays under Kafka's 1 MB message limit however long and many the author's messages are."""

from __future__ import annotations

from datetime import timedelta

from pipeline.config import DeskSettings
from pipeline.desk.bounds import MAX_SLOT_BYTES, TEXT_KEPT, fit, size
from pipeline.desk.lifecycle import apply
from pipeline.desk.models import Command, Op, Slot
from tests.unit.desk.test_desk_logic import T0, obs

LONG = "退货" * 10_000  # 20 000 characters, SOCIALLISTEN_MAX_TEXT_CHARS: 60 000 bytes of UTF-8
CONTROL = "\x00" * 20_000  # 20 000 characters that JSON writes as 6 bytes each


def _flood(texts: list[str], cfg: DeskSettings) -> tuple[Slot, list[int]]:
    slot, sizes = Slot(), []
    for n, text in enumerate(texts):
        o = obs(f"weibo:{n}", at=T0 + timedelta(minutes=n), text=text, author_name=text[:5000])
        slot, outcome = apply(slot, Command(op=Op.observe, command_id=f"obs:{n}", at=T0, observation=o), cfg)
        assert outcome.code == 200 and outcome.new_messages[0].text == text  # ClickHouse gets the whole text
        sizes.append(size(slot))
    return slot, sizes


def test_a_flood_of_maximal_messages_keeps_the_record_under_the_limit() -> None:
    cfg = DeskSettings(desk_thread_messages=500)
    slot, sizes = _flood([LONG, CONTROL] * 20, cfg)
    assert max(sizes) <= MAX_SLOT_BYTES < 1_000_000
    case = slot.latest()
    assert case is not None and len(case.messages) > 1
    assert case.messages[-1].event_id == "weibo:39"  # the newest is always kept
    assert case.repeats == 39 and len(slot.seen) == 40  # trimming the record changes no counting


def test_small_records_are_left_alone_and_the_bound_is_exact() -> None:
    cfg = DeskSettings(desk_thread_messages=20)
    slot, _ = _flood(["但是现在过了退货时间了"] * 30, cfg)
    before = slot.model_dump_json()
    fit(slot)
    assert slot.model_dump_json() == before and len(slot.latest().messages) == 20  # type: ignore[union-attr]
    limit = size(slot) - 1
    fit(slot, limit)
    assert size(slot) <= limit and len(slot.latest().messages) == 19  # type: ignore[union-attr]
    fit(slot, 5_000)
    assert size(slot) <= 5_000 and slot.latest() is not None


def test_one_huge_message_is_shortened_in_the_record_only() -> None:
    cfg = DeskSettings()
    slot, sizes = _flood(["x" * 200] + [CONTROL * 10], cfg)  # beyond the text limit: only the record is at stake
    case = slot.latest()
    assert case is not None and sizes[-1] <= MAX_SLOT_BYTES
    assert len(case.messages) == 1 and len(case.messages[-1].text) == TEXT_KEPT
