"""Sample ``mentions`` rows for search and export: the sample stream through the worker's pure functions.

:func:`analysed_rows` builds rows exactly as the worker does (decode, validate, analyse, row
mapping: :func:`~pipeline.worker.enrich.process_batch`, :func:`~pipeline.storage.tables.mention_rows`);
:func:`fill` inserts ``n`` rows, analysing at most ``distinct`` events and repeating them under
new ids and times beyond that (the benchmarks' millions of rows without hours of analysis).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.records import RawRecord
from pipeline.storage import ClickHouse
from pipeline.storage.tables import MENTION_COLUMNS, mention_rows
from pipeline.text import TextAnalyzer

log = logging.getLogger(__name__)

Row = tuple[Any, ...]
_ID, _THREAD, _CREATED = (MENTION_COLUMNS.index(c) for c in ("event_id", "thread_id", "created_at"))
MAX_EVENT_BYTES = 1 << 20
MAX_TEXT_CHARS = 100_000


def analysed_rows(n: int, analyzer: TextAnalyzer, seed: int = 0, end: datetime | None = None,
                  days: float = 14.0, batch: int = 2000) -> Iterator[list[Row]]:
    """``n`` sample events (times in the ``days`` before ``end``) as ``mentions`` rows, a batch at a time."""
    from pipeline.sample import generate_events

    lines = generate_events(n, seed=seed, start=end or datetime.now(UTC), days=days)
    chunk: list[RawRecord] = []
    for i, line in enumerate(lines):
        chunk.append(RawRecord("sample", 0, i, line))
        if len(chunk) >= batch:
            yield _rows(chunk, analyzer)
            chunk = []
    if chunk:
        yield _rows(chunk, analyzer)


def _rows(records: list[RawRecord], analyzer: TextAnalyzer) -> list[Row]:
    from pipeline.worker.enrich import process_batch

    result = process_batch(records, analyzer, max_bytes=MAX_EVENT_BYTES, max_text_chars=MAX_TEXT_CHARS)
    return mention_rows(result.enriched)


def _copy(row: Row, k: int, shift: timedelta) -> Row:
    out = list(row)
    out[_ID] = f"{row[_ID]}#{k}"
    out[_THREAD] = f"{row[_THREAD]}#{k}"
    out[_CREATED] = row[_CREATED] - shift
    return tuple(out)


def fill(ch: ClickHouse, n: int, analyzer: TextAnalyzer, *, distinct: int = 20_000, seed: int = 0,
         end: datetime | None = None, days: float = 14.0, block: int = 20_000,
         progress: Callable[[int], None] | None = None) -> int:
    """Insert ``n`` rows into ``mentions``: ``min(n, distinct)`` analysed ones, then shifted copies."""
    base: list[Row] = []
    done = 0
    for rows in analysed_rows(min(n, distinct), analyzer, seed=seed, end=end, days=days):
        ch.insert("mentions", MENTION_COLUMNS, rows)
        base.extend(rows)
        done += len(rows)
        if progress:
            progress(done)
    k = 0
    while done < n and base:
        k += 1
        shift = timedelta(minutes=(k * 37) % (int(days * 1440) or 1))
        out: list[Row] = []
        for row in base:
            if done + len(out) >= n:
                break
            out.append(_copy(row, k, shift))
            if len(out) >= block:
                ch.insert("mentions", MENTION_COLUMNS, out)
                done += len(out)
                out = []
                if progress:
                    progress(done)
        if out:
            ch.insert("mentions", MENTION_COLUMNS, out)
            done += len(out)
            if progress:
                progress(done)
    log.info("filled mentions with %d rows (%d analysed)", done, len(base))
    return done
