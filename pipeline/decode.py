"""Bytes -> validated :class:`SocialEvent`, or a precise reason why not; batches of records likewise.

Pure: no I/O. The worker, the ``deadletter replay`` command and the tests share it.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from pipeline.errors import EventRejected
from pipeline.records import Decoded, RawRecord, dead_letter, event_record
from schemas.deadletter import DeadLetter, Stage
from schemas.events import SocialEvent


def describe_validation_error(exc: ValidationError, limit: int = 3) -> tuple[str, str]:
    """A (reason code, readable message) pair naming the offending fields."""
    errors = exc.errors(include_url=False)
    if any(err["type"] == "json_invalid" for err in errors):
        err = next(e for e in errors if e["type"] == "json_invalid")
        return "invalid_json", f"not valid JSON: {err['msg']}"
    if any(err["type"] == "model_type" and not err["loc"] for err in errors):
        return "not_an_object", "the message must be a JSON object"
    parts = []
    for err in errors[:limit]:
        loc = ".".join(str(p) for p in err["loc"]) or "event"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    more = f" (+{len(errors) - limit} more)" if len(errors) > limit else ""
    reason = "missing_field" if all(e["type"] == "missing" for e in errors) else "validation"
    if any("unknown platform" in p for p in parts):
        reason = "unknown_platform"
    return reason, "; ".join(parts) + more


def decode_event(raw: bytes | None, *, max_bytes: int, max_text_chars: int) -> SocialEvent:
    """Validate one Kafka message value.

    Raises:
        EventRejected: with ``reason`` one of too_large, empty, invalid_utf8, invalid_json,
            not_an_object, missing_field, unknown_platform, validation, text_too_long.
    """
    if not raw:
        raise EventRejected("empty", "the message has no value", Stage.decode)
    if len(raw) > max_bytes:
        raise EventRejected(
            "too_large",
            f"message is {len(raw)} bytes; the limit is {max_bytes} (SOCIALLISTEN_MAX_EVENT_BYTES)",
            Stage.decode,
        )
    try:
        event = SocialEvent.model_validate_json(raw)  # its JSON parser refuses invalid UTF-8 anywhere
    except ValidationError as exc:
        try:  # only a message that failed pays for this check
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise EventRejected(
                "invalid_utf8", f"not valid UTF-8 at byte {bad.start}: send UTF-8 encoded JSON", Stage.decode
            ) from None
        reason, message = describe_validation_error(exc)
        stage = Stage.decode if reason in ("invalid_json", "not_an_object") else Stage.validate
        raise EventRejected(reason, message, stage) from None
    if len(event.text) > max_text_chars:
        raise EventRejected(
            "text_too_long",
            f"text has {len(event.text)} characters; the limit is {max_text_chars} (SOCIALLISTEN_MAX_TEXT_CHARS)",
            Stage.validate,
        )
    return event


def unpack(records: Sequence[RawRecord]) -> list[RawRecord]:
    """Split packed messages (several events as JSON lines in one message) into one record per event.

    Producers may pack the events of one partition into a message to save the per-message cost
    (``replay --pack``). Each line keeps the message's topic, partition and offset.
    """
    out: list[RawRecord] = []
    for rec in records:
        value = rec.value
        if value and b"\n" in value:
            out.extend(
                RawRecord(rec.topic, rec.partition, rec.offset, line, rec.timestamp)
                for line in value.split(b"\n")
                if line.strip()
            )
        else:
            out.append(rec)
    return out


def decode_batch(
    records: Sequence[RawRecord], *, max_bytes: int, max_text_chars: int
) -> tuple[Decoded, list[DeadLetter]]:
    """Unpack and validate; invalid records become dead letters."""
    valid: Decoded = []
    dead: list[DeadLetter] = []
    for rec in unpack(records):
        try:
            event = decode_event(rec.value, max_bytes=max_bytes, max_text_chars=max_text_chars)
            valid.append((rec, event_record(event)))
        except EventRejected as rej:
            dead.append(dead_letter(rec, rej.stage, rej.reason, rej.message))
    return valid, dead
