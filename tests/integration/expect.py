"""Expected results computed from an input file alone, with the same pure code as the worker.

The fault tests compare what ClickHouse reports with these numbers: exact equality.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

from pipeline.config import KafkaSettings, Settings
from pipeline.kafka.producer import message_bytes
from pipeline.records import RawRecord
from pipeline.storage import ClickHouse
from pipeline.storage.stats import stats
from pipeline.text import get_analyzer
from pipeline.worker.enrich import process_batch


@dataclass
class Expectation:
    """Unique valid events, invalid lines and rollup counts of one input stream."""

    valid_ids: set[str] = field(default_factory=set)
    invalid_hashes: set[str] = field(default_factory=set)
    hour: Counter[tuple[int, str, str, str]] = field(default_factory=Counter)
    minute: Counter[tuple[int, str, str, str]] = field(default_factory=Counter)

    @classmethod
    def from_lines(cls, lines: list[bytes], settings: Settings | None = None) -> Expectation:
        """Run the worker's pure batch function over the lines, as ``replay`` sends them.

        ``replay`` sends a line without its trailing CR and LF bytes (:func:`message_bytes`): a
        hostile line ending in a carriage return reaches the worker as the bytes before it, and
        may then be the same dead letter as another line.
        """
        settings = settings or Settings()
        lines = [sent for sent in map(message_bytes, lines) if sent]
        analyzer = get_analyzer(settings.resolved_lexicon)
        exp = cls()
        seen: set[str] = set()
        for start in range(0, len(lines), 2000):
            records = [RawRecord("t", 0, i, line) for i, line in enumerate(lines[start : start + 2000])]
            result = process_batch(
                records,
                analyzer,
                max_bytes=settings.worker.max_event_bytes,
                max_text_chars=settings.worker.max_text_chars,
            )
            exp.invalid_hashes.update(d.dl_id for d in result.dead_letters)
            for item in result.enriched:
                ev = item.event
                if ev.id in seen:
                    continue
                seen.add(ev.id)
                exp.valid_ids.add(ev.id)
                ts = int(ev.created_at.timestamp())
                for signal in ["mention", *item.analysis.signals]:
                    for brand in item.analysis.brands or [""]:
                        exp.hour[(ts - ts % 3600, ev.platform.value, brand, signal)] += 1
                        exp.minute[(ts - ts % 60, ev.platform.value, brand, signal)] += 1
        return exp


def rollup(ch: ClickHouse, view: str) -> Counter[tuple[int, str, str, str]]:
    """A rollup view as a Counter keyed like :class:`Expectation`."""
    rows = ch.query(f"SELECT toUnixTimestamp(bucket) AS ts, platform, brand, signal, events FROM {view}")
    return Counter(
        {(int(r["ts"]), r["platform"], r["brand"], r["signal"]): int(r["events"]) for r in rows if int(r["events"])}
    )


def assert_exact(ch: ClickHouse, exp: Expectation, settle: float = 20.0) -> None:
    """Every count in mentions, dead letters and both rollups equals the expectation.

    An INSERT writes the table first and its materialized views right after, so a reader can
    briefly see a row before its rollup: allow ``settle`` seconds for the two to agree.
    """
    deadline = time.monotonic() + settle
    while True:
        try:
            _check_exact(ch, exp)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


def _check_exact(ch: ClickHouse, exp: Expectation) -> None:
    totals = stats(ch)
    stored = {r["event_id"] for r in ch.query("SELECT event_id FROM mentions FINAL")}
    assert stored == exp.valid_ids, f"{len(stored)} stored, {len(exp.valid_ids)} expected"
    assert totals["mentions"] == len(exp.valid_ids)
    assert totals["dead_lettered"] == len(exp.invalid_hashes)
    for view, expected in (("rollup_hour", exp.hour), ("rollup_minute", exp.minute)):
        got = rollup(ch, view)
        if got != expected:
            diff = {k: (got.get(k, 0), expected.get(k, 0)) for k in set(got) | set(expected)
                    if got.get(k, 0) != expected.get(k, 0)}
            sample = dict(list(diff.items())[:8])
            raise AssertionError(f"{view}: {len(diff)} buckets differ, (got, expected): {sample}")


def wait_until(
    predicate: Callable[[], bool],
    timeout: float,
    what: str,
    interval: float = 0.5,
    diagnose: Callable[[], str] | None = None,
) -> None:
    """Poll ``predicate`` until true; fail naming ``what`` after ``timeout`` seconds.

    The failure message adds what the predicate saw last (its ``str()`` when it is a
    :class:`Complete`) and ``diagnose()`` (for instance a worker's state snapshot).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # the store may be briefly unreachable in fault tests
            pass
        time.sleep(interval)
    details = [f"timed out after {timeout:.0f} s waiting for {what}"]
    if isinstance(predicate, Complete):
        details.append(str(predicate))
    if diagnose is not None:
        details.append(diagnose())
    raise AssertionError("; ".join(details))


@dataclass
class Complete:
    """Predicate: everything stored or dead-lettered; remembers the counts it saw last."""

    ch: ClickHouse
    exp: Expectation
    seen: dict[str, int] = field(default_factory=dict)

    def __call__(self) -> bool:
        totals = stats(self.ch)
        self.seen = {"mentions": totals["mentions"], "dead_lettered": totals["dead_lettered"]}
        return totals["mentions"] >= len(self.exp.valid_ids) and totals["dead_lettered"] >= len(self.exp.invalid_hashes)

    def __str__(self) -> str:
        return (f"last seen {self.seen or 'nothing (store unreachable)'}, expected mentions={len(self.exp.valid_ids)} "
                f"dead_lettered={len(self.exp.invalid_hashes)}")


def missing_by_partition(ch: ClickHouse, lines: list[bytes], exp: Expectation, partitions: int = 4) -> str:
    """Which (topic, partition) the valid events missing from ``mentions`` were produced to.

    Missing events bunched in one partition point at its offsets (skipped or never fetched);
    spread over all of them at the worker not finishing its batches.
    """
    from pipeline.kafka.producer import partition_for, route
    from pipeline.kafka.topics import Topics

    topics = Topics.from_settings(Settings(kafka=KafkaSettings(topic_prefix="")))
    stored = {r["event_id"] for r in ch.query("SELECT DISTINCT event_id FROM mentions")}
    missing: Counter[str] = Counter()
    for line in lines:
        try:
            event_id = orjson.loads(line).get("id")
        except (orjson.JSONDecodeError, AttributeError):
            continue
        if event_id in exp.valid_ids and event_id not in stored:
            topic, key = route(line, topics)
            missing[f"{topic}[{partition_for(key, partitions)}]"] += 1
    return f"valid events not in mentions, by input partition: {dict(missing) or 'none'}"


def missing_dead_letters(ch: ClickHouse, lines: list[bytes], exp: Expectation) -> str:
    """The expected dead letters not in ``dead_letters``: each one's place in ``lines``, size and first bytes."""
    from pipeline.decode import unpack

    stored = {r["dl_id"] for r in ch.query("SELECT DISTINCT dl_id FROM dead_letters")}
    missing = exp.invalid_hashes - stored
    found = []
    for index, line in enumerate(lines):
        for rec in unpack([RawRecord("t", 0, index, message_bytes(line))]):
            if hashlib.sha256(rec.value).hexdigest()[:32] in missing:  # DeadLetter.build's dl_id
                found.append(f"line {index} of {len(lines)}: {len(line)} bytes, {line[:60]!r}")
    return f"{len(missing)} dead letters missing: {found or sorted(missing)}"


def complete(ch: ClickHouse, exp: Expectation) -> Complete:
    """Predicate: everything stored or dead-lettered."""
    return Complete(ch, exp)
