"""Dead letters keep enough of the original bytes to replay them, and a bounded start of a huge one."""

from __future__ import annotations

import hashlib

from schemas.deadletter import MAX_RAW_BYTES, TOO_LARGE_KEEP_BYTES, DeadLetter, Stage


def _build(raw: bytes, reason: str) -> DeadLetter:
    return DeadLetter.build(raw, topic="t", partition=0, offset=1, stage=Stage.decode, reason=reason, error="e")


def test_an_invalid_message_is_kept_whole_up_to_the_raw_limit() -> None:
    raw = b"{" * 200_000
    dl = _build(raw, "invalid_json")
    assert dl.raw == raw and not dl.raw_truncated and dl.raw_size == len(raw)


def test_a_too_large_message_keeps_its_start_its_size_and_the_hash_of_the_whole() -> None:
    raw = b"x" * 300_000
    dl = _build(raw, "too_large")
    assert dl.raw == raw[:TOO_LARGE_KEEP_BYTES] and dl.raw_truncated and dl.raw_size == 300_000
    assert dl.dl_id == hashlib.sha256(raw).hexdigest()[:32]
    assert TOO_LARGE_KEEP_BYTES < MAX_RAW_BYTES


def test_any_message_beyond_the_raw_limit_is_cut_there() -> None:
    raw = b"y" * (MAX_RAW_BYTES + 10)
    dl = _build(raw, "invalid_utf8")
    assert len(dl.raw) == MAX_RAW_BYTES and dl.raw_truncated
