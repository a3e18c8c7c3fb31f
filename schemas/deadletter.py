"""Dead letters: events the pipeline could not take, with the original bytes and the reason."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

MAX_RAW_BYTES = 512 * 1024
"""Dead letters keep at most this many original bytes, so a record fits a broker's 1 MB default."""
TOO_LARGE_KEEP_BYTES = 64 * 1024
"""A message rejected for its size keeps only its start: it cannot be replayed as it is, the start
shows what it was, and keeping more would let a flood of huge messages cost the worker their size
a second time (hash and size of the whole message are kept)."""


class Stage(StrEnum):
    """Where in the pipeline the event was rejected."""

    decode = "decode"  # bytes -> JSON (size, UTF-8, JSON syntax)
    validate = "validate"  # JSON -> SocialEvent
    enrich = "enrich"  # text understanding raised
    store = "store"  # ClickHouse refused the row itself (not an outage)
    command = "command"  # a desk command on the cases topic without a valid signature


class DeadLetter(BaseModel):
    """One rejected message, as written to the dead-letter topic (JSON) and the ``dead_letters`` table."""

    model_config = ConfigDict(frozen=True)

    dl_id: str = Field(description="sha256 of the raw bytes: the same bad message is one dead letter")
    source_topic: str
    partition: int
    offset: int
    stage: Stage
    reason: str = Field(
        description="short code: too_large, invalid_utf8, invalid_json, validation, analysis_error, ..."
    )
    error: str = Field(description="readable message naming the field and what is wrong")
    raw_b64: str = Field(
        description="the original message bytes, base64 (the first MAX_RAW_BYTES of them; 64 KiB when too_large)"
    )
    raw_size: int = Field(default=0, description="size of the original message in bytes")
    raw_truncated: bool = Field(default=False, description="raw_b64 holds only the start of the message")
    received_at: datetime

    @classmethod
    def build(
        cls, raw: bytes, *, topic: str, partition: int, offset: int, stage: Stage, reason: str, error: str
    ) -> DeadLetter:
        """Build a dead letter for ``raw`` rejected at ``stage`` (``too_large``: its first 64 KiB only)."""
        keep = TOO_LARGE_KEEP_BYTES if reason == "too_large" else MAX_RAW_BYTES
        return cls(
            dl_id=hashlib.sha256(raw).hexdigest()[:32],
            source_topic=topic,
            partition=partition,
            offset=offset,
            stage=stage,
            reason=reason,
            error=error[:2000],
            raw_b64=base64.b64encode(raw[:keep]).decode("ascii"),
            raw_size=len(raw),
            raw_truncated=len(raw) > keep,
            received_at=datetime.now(UTC).replace(microsecond=0),
        )

    @property
    def raw(self) -> bytes:
        """The original bytes."""
        return base64.b64decode(self.raw_b64)

    def preview(self, limit: int = 300) -> str:
        """The start of the original message as text (undecodable bytes replaced)."""
        return self.raw[: limit * 4].decode("utf-8", "replace")[:limit]
