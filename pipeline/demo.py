"""The demo job: replay the bundled stream through a real worker and report from ClickHouse.

Everything runs in this process: an embedded broker (unless SOCIALLISTEN_KAFKA_URL is set),
the Faust worker, the replay (a kafka-python producer on a thread) and the summary
queries. chDB is an in-process engine, so sharing the process is also what lets the
summary read the worker's store.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import DATA_DIR, Settings
from pipeline.decode import decode_event
from pipeline.errors import EventRejected
from pipeline.kafka.producer import make_producer, replay
from pipeline.kafka.topics import Topics
from pipeline.monitor import audience_snapshot
from pipeline.storage import ClickHouse
from pipeline.storage.access import RunBlocking
from pipeline.storage.stats import stats
from pipeline.tracking.demo import run_campaign

log = logging.getLogger(__name__)

DEMO_STREAM = DATA_DIR / "demo_stream.jsonl"


@dataclass
class Expected:
    """What a stream should produce: ids of its valid events and hashes of its invalid lines."""

    lines: list[bytes]
    valid_ids: set[str] = field(default_factory=set)
    invalid_hashes: set[str] = field(default_factory=set)

    @classmethod
    def from_lines(cls, lines: Iterable[bytes], settings: Settings) -> Expected:
        """Classify each line with the worker's own decoder."""
        exp = cls(lines=[line for line in lines if line.strip()])
        for line in exp.lines:
            try:
                event = decode_event(
                    line, max_bytes=settings.worker.max_event_bytes, max_text_chars=settings.worker.max_text_chars
                )
                exp.valid_ids.add(event.id)
            except EventRejected:
                exp.invalid_hashes.add(hashlib.sha256(line).hexdigest()[:32])
        return exp


def _count_in(ch: ClickHouse, sql: str, values: set[str]) -> int:
    if not values:
        return 0
    rows = ch.query(sql, {"values": tuple(sorted(values))})
    return int(rows[0]["n"]) if rows else 0


def progress_counts(ch: ClickHouse, expected: Expected) -> tuple[int, int]:
    """(stored valid events, dead-lettered invalid lines) of this stream, as ClickHouse sees them now."""
    stored = _count_in(
        ch, "SELECT uniqExact(event_id) AS n FROM mentions WHERE event_id IN %(values)s", expected.valid_ids
    )
    dead = _count_in(
        ch, "SELECT uniqExact(dl_id) AS n FROM dead_letters WHERE dl_id IN %(values)s", expected.invalid_hashes
    )
    return stored, dead


async def run_demo(
    *,
    settings: Settings,
    bootstrap: str,
    ch: ClickHouse,
    run_blocking: RunBlocking,
    stream: Path = DEMO_STREAM,
    timeout: float = 240.0,
    rate: float | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Replay ``stream``, wait until every line is stored or dead-lettered, return the summary."""
    started = time.monotonic()
    expected = Expected.from_lines(stream.read_bytes().splitlines(), settings)
    total = len(expected.lines)

    def _replay() -> None:
        producer = make_producer(bootstrap, kafka=settings.kafka)
        try:
            replay(expected.lines, producer, Topics.from_settings(settings), rate=rate,
                   on_sent=(lambda n: on_progress("sent", n, total)) if on_progress else None)
        finally:
            producer.close()

    await asyncio.to_thread(_replay)
    deadline = time.monotonic() + timeout
    stored = dead = 0
    while time.monotonic() < deadline:
        stored, dead = await run_blocking(progress_counts, ch, expected)
        if on_progress:
            on_progress("stored", stored + dead, total)
        if stored == len(expected.valid_ids) and dead == len(expected.invalid_hashes):
            break
        await asyncio.sleep(0.5)
    else:
        log.error(
            "timed out after %.0f s: %d of %d valid events stored, %d of %d invalid lines dead-lettered",
            timeout, stored, len(expected.valid_ids), dead, len(expected.invalid_hashes),
        )
    totals = await run_blocking(stats, ch)
    return {
        "events_in": total,
        "events_stored": stored,
        "dead_lettered": dead,
        "valid_events": len(expected.valid_ids),
        "invalid_events": len(expected.invalid_hashes),
        "complete": stored == len(expected.valid_ids) and dead == len(expected.invalid_hashes),
        "buyers": totals["buyers"],
        "service_requests": totals["service_requests"],
        "purchase_intent": totals.get("purchase_intent", 0),
        "competitor_mentions": totals["competitor_mentions"],
        "mentions_total": totals["mentions"],
        "by_platform": totals.get("by_platform", {}),
        "competitors_by_brand": totals.get("competitors_by_brand", {}),
        "dead_letters_by_reason": totals.get("dead_letters_by_reason", {}),
        "sentiment": totals.get("sentiment", {}),
        "audience_authors": (await run_blocking(audience_snapshot.refresh, ch)).authors,  # for the audience views
        "campaign_funnel": await run_campaign(settings, bootstrap, ch, run_blocking),
        "elapsed_s": round(time.monotonic() - started, 1),
    }
