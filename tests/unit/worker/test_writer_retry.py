"""BatchWriter: a dead letter the broker does not acknowledge is retried, never dropped or raised."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pipeline.errors import BrokerUnavailable, StorageError
from pipeline.records import BatchResult
from pipeline.retry import RetryPolicy
from pipeline.worker.writer import BatchWriter
from schemas.deadletter import DeadLetter, Stage


class RecordingStore:
    """Stands in for ClickHouse: keeps inserted rows (pure-logic unit test of the writer)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[Any, ...]]] = {}

    def insert(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        self.rows.setdefault(table, []).extend(rows)


def _dead(n: int) -> list[DeadLetter]:
    return [DeadLetter.build(f"bad {i}".encode(), topic="t.posts", partition=0, offset=i, stage=Stage.decode,
                             reason="invalid_json", error="not JSON") for i in range(n)]


def test_unacknowledged_dead_letters_are_retried_until_sent() -> None:
    sent: list[str] = []
    failures = {"left": 3}

    async def flaky_send(dl: DeadLetter) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise BrokerUnavailable("Kafka did not acknowledge in time")
        sent.append(dl.dl_id)

    store = RecordingStore()
    writer = BatchWriter(store, flaky_send, retry=RetryPolicy(first_seconds=0.01, max_seconds=0.02))  # type: ignore[arg-type]
    letters = _dead(2)
    try:
        asyncio.run(writer.write(BatchResult(enriched=[], dead_letters=letters)))
    finally:
        writer.close()
    assert sorted(sent) == sorted(dl.dl_id for dl in letters), "every dead letter sent, each acknowledged once"
    assert failures["left"] == 0
    assert [row[0] for row in store.rows["dead_letters"]] == [dl.dl_id for dl in letters]


def test_a_batch_of_dead_letters_is_sent_together() -> None:
    """Every send of a batch is under way before the first acknowledgement is awaited."""
    letters = _dead(5)
    started: list[str] = []
    all_started = asyncio.Event()

    async def send(dl: DeadLetter) -> None:
        started.append(dl.dl_id)
        if len(started) == len(letters):
            all_started.set()
        try:
            await asyncio.wait_for(all_started.wait(), 5)
        except TimeoutError:  # not a broker error: the writer must not retry it
            raise AssertionError("dead letters sent one at a time") from None

    store = RecordingStore()
    writer = BatchWriter(store, send, retry=RetryPolicy(first_seconds=0.01))  # type: ignore[arg-type]
    try:
        asyncio.run(writer.write(BatchResult(enriched=[], dead_letters=letters)))
    finally:
        writer.close()
    assert started == [dl.dl_id for dl in letters]  # queued in batch order
    assert len(store.rows["dead_letters"]) == len(letters)


def test_a_non_transient_send_error_is_not_swallowed() -> None:
    async def broken_send(dl: DeadLetter) -> None:
        raise StorageError("not a broker problem")

    writer = BatchWriter(RecordingStore(), broken_send, retry=RetryPolicy(first_seconds=0.01))  # type: ignore[arg-type]
    try:
        with pytest.raises(StorageError):
            asyncio.run(writer.write(BatchResult(enriched=[], dead_letters=_dead(1))))
    finally:
        writer.close()
