"""Bytes -> event decoding: every bad input gets a specific reason, nothing raises past it."""

from __future__ import annotations

import json
from dataclasses import asdict, fields

import pytest

from pipeline.decode import decode_batch, decode_event
from pipeline.errors import EventRejected
from pipeline.records import RawRecord
from schemas.events import Author, Engagement, SocialEvent

GOOD = {
    "id": "tieba:881",
    "platform": "tieba",
    "kind": "post",
    "author": {"id": "a1"},
    "text": "刚收到货，包装完好",
    "created_at": "2024-01-02T03:04:05Z",
}


def decode(raw: bytes, max_bytes: int = 10000, max_text_chars: int = 1000) -> object:
    return decode_event(raw, max_bytes=max_bytes, max_text_chars=max_text_chars)


def test_good_event_decodes() -> None:
    ev = decode(json.dumps(GOOD, ensure_ascii=False).encode())
    assert ev.id == "tieba:881"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("raw", "reason", "stage"),
    [
        (b"", "empty", "decode"),
        (b"{not json", "invalid_json", "decode"),
        (b"[1, 2]", "not_an_object", "decode"),
        (b"\xff\xfe{}", "invalid_utf8", "decode"),
        (json.dumps({**GOOD, "platform": "douyin"}).encode(), "unknown_platform", "validate"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "id"}).encode(), "missing_field", "validate"),
        (json.dumps({**GOOD, "text": 12}).encode(), "validation", "validate"),
        (b"x" * 10001, "too_large", "decode"),
        (json.dumps({**GOOD, "text": "长" * 1001}).encode(), "text_too_long", "validate"),
    ],
)
def test_rejections_have_specific_reasons(raw: bytes, reason: str, stage: str) -> None:
    with pytest.raises(EventRejected) as info:
        decode(raw)
    assert info.value.reason == reason
    assert info.value.stage == stage
    assert info.value.message  # readable text for people


def test_the_worker_keeps_every_value_of_a_valid_event() -> None:
    """decode_batch's slotted records carry every field of the model (a field added to it must be added there)."""
    full = {**GOOD, "kind": "repost", "root_id": "tieba:1", "parent_id": "tieba:2", "title": "标题",
            "author": {"id": "a1", "name": "小王", "verified": True, "verified_type": "personal", "followers": 5,
                       "following": 6, "posts": 7, "created_at": "2020-01-01T00:00:00Z"},
            "engagement": {"reposts": 1, "comments": 2, "likes": 3, "reads": 4},
            "urls": ["https://example.com/a"], "campaign": "夏日", "group_id": "g.1"}
    raw = json.dumps(full, ensure_ascii=False).encode()
    (rec, kept), = decode_batch([RawRecord("t", 0, 0, raw)], max_bytes=10000, max_text_chars=1000)[0]
    model = SocialEvent.model_validate_json(raw)
    assert set(SocialEvent.model_fields) == {f.name for f in fields(kept)}
    assert set(Author.model_fields) == {f.name for f in fields(kept.author)}
    assert set(Engagement.model_fields) == {f.name for f in fields(kept.engagement)}
    for name in SocialEvent.model_fields:
        if name not in ("author", "engagement"):
            assert getattr(kept, name) == getattr(model, name), name
    assert asdict(kept.author) == model.author.model_dump()
    assert asdict(kept.engagement) == model.engagement.model_dump()
    assert kept.thread_id == model.thread_id == "tieba:1"
