"""Bytes -> event decoding: every bad input gets a specific reason, nothing raises past it."""

from __future__ import annotations

import json

import pytest

from pipeline.decode import decode_event
from pipeline.errors import EventRejected

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
