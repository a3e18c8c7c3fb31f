"""A case key's table record stays under Kafka's message limit, whatever the authors write.

The agent's table value for a key (:class:`~pipeline.desk.models.Slot`) goes to the changelog topic
as one record, and brokers refuse records over ``message.max.bytes`` (1 MB by default): a record that
outgrows it would stop the agent. Texts are capped by ``SOCIALLISTEN_MAX_TEXT_CHARS`` (20 000) and a
case keeps up to ``SOCIALLISTEN_DESK_THREAD_MESSAGES`` (500) messages, so a busy, verbose author could
reach megabytes. :func:`fit` trims the record in steps until it fits; the full texts stay in ClickHouse.
"""

from __future__ import annotations

from pipeline.desk.models import Slot

MAX_SLOT_BYTES = 900_000
"""Largest JSON of one key's record: under the 1 MB default with room for the changelog's framing."""
TEXT_KEPT = 2_000
"""Characters of a text kept in the record once trimming messages was not enough."""


def size(slot: Slot) -> int:
    """Bytes of the record's JSON."""
    return len(slot.model_dump_json())


def fit(slot: Slot, limit: int = MAX_SLOT_BYTES) -> None:
    """Trim ``slot`` in place until its JSON is at most ``limit`` bytes.

    In order: the oldest messages of the case holding the most (every case keeps its latest), then
    long texts (to :data:`TEXT_KEPT` characters), then the oldest closed cases, then half of the
    remembered command results and event ids at a time.
    """
    current = size(slot)
    while current > limit:
        case = max(slot.cases.values(), key=lambda c: len(c.messages), default=None)
        if case is None or len(case.messages) <= 1:
            break
        dropped = case.messages.pop(0)
        current -= len(dropped.model_dump_json()) + 1
    if current > limit:
        _shorten_texts(slot)
        current = size(slot)
    latest = slot.latest()
    for key in [k for k, c in slot.cases.items() if c is not latest]:
        if current <= limit:
            break
        del slot.cases[key]
        current = size(slot)
    while current > limit and (slot.seen or slot.results):
        slot.seen = slot.seen[len(slot.seen) // 2:]
        for key in list(slot.results)[: (len(slot.results) + 1) // 2]:
            del slot.results[key]
        current = size(slot)


def _shorten_texts(slot: Slot) -> None:
    for case in slot.cases.values():
        case.text = case.text[:TEXT_KEPT]
        case.author_name = case.author_name[:TEXT_KEPT]
        case.link = case.link[:TEXT_KEPT]
        case.messages = [m if len(m.text) <= TEXT_KEPT else m.model_copy(update={"text": m.text[:TEXT_KEPT]})
                         for m in case.messages]
