"""Dead letters keep a message whole up to 64 KiB, and only the start of a longer one."""

from __future__ import annotations

import hashlib

from schemas.deadletter import MAX_RAW_BYTES, DeadLetter, Stage


def _build(raw: bytes, reason: str) -> DeadLetter:
    return DeadLetter.build(raw, topic="t", partition=0, offset=1, stage=Stage.decode, reason=reason, error="e")


def test_a_message_up_to_the_limit_is_kept_whole() -> None:
    raw = ("长" * 20_001).encode()  # a text one character over the limit: replayable once the limit is raised
    dl = _build(raw, "validation")
    assert dl.raw == raw and not dl.raw_truncated and dl.raw_size == len(raw)


def test_a_longer_message_keeps_its_start_its_size_and_the_hash_of_the_whole() -> None:
    for reason in ("too_large", "invalid_json"):
        raw = b"[" * 300_000
        dl = _build(raw, reason)
        assert dl.raw == raw[:MAX_RAW_BYTES] and dl.raw_truncated and dl.raw_size == 300_000
        assert dl.dl_id == hashlib.sha256(raw).hexdigest()[:32]
