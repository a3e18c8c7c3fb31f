"""Helpers shared by the sample-generator tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import orjson
from pydantic import ValidationError

from schemas.events import SocialEvent

ROOT = Path(__file__).resolve().parents[3]
SHARED_DEV = next(
    (p for p in (Path(__file__).resolve().parents[3].parent / "shared" / "data" / "dev", Path("/work/shared/data/dev"))
     if p.exists()),
    Path("/work/shared/data/dev"),
)
LOCAL_DEV = ROOT / "tests" / "data"


def dev_rows() -> list[dict[str, object]]:
    """The detector dev sets (labelled + sentiment): from the shared data, else the test copies."""
    pairs = [
        (SHARED_DEV / "labelled.jsonl", LOCAL_DEV / "labelled_dev.jsonl"),
        (SHARED_DEV / "sentiment.jsonl", LOCAL_DEV / "sentiment_dev.jsonl"),
    ]
    rows: list[dict[str, object]] = []
    for shared, local in pairs:
        path = shared if shared.exists() else local
        rows += [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    return rows


def parse(line: bytes) -> SocialEvent | None:
    """The event of a line, or None when the line is rejected (JSON, UTF-8 or validation)."""
    try:
        return SocialEvent.model_validate_json(line)
    except (ValidationError, ValueError, UnicodeDecodeError):
        return None


def split(lines: Iterable[bytes]) -> tuple[list[SocialEvent], list[bytes]]:
    """Valid events and rejected lines."""
    valid: list[SocialEvent] = []
    rejected: list[bytes] = []
    for line in lines:
        event = parse(line)
        if event is None:
            rejected.append(line)
        else:
            valid.append(event)
    return valid, rejected
