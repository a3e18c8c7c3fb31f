"""Durable writes of one processed batch: dead letters to Kafka, rows to ClickHouse.

The worker releases a batch's offsets only after :meth:`BatchWriter.write` returned, so
a crash at any point replays the batch and the idempotent tables absorb the repeat.

- ClickHouse unreachable (:class:`StorageUnavailable`): retry the same insert with
  exponential backoff, forever, logging each attempt. The worker is blocked meanwhile,
  so the batches in flight fill their bounded queue and fetching stops: memory stays bounded.
- ClickHouse refuses the rows (:class:`StorageError`): split the batch in halves until the
  offending row is alone, then dead-letter that row (stage ``store``) and keep the rest.
- Kafka does not acknowledge a dead letter (the send times out after
  ``SOCIALLISTEN_PRODUCE_TIMEOUT``, or the broker is unreachable): send it again with the same
  backoff; it is never dropped, and the batch's offsets wait for it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiokafka.errors import KafkaError

from pipeline.errors import BrokerError, StorageError, StorageUnavailable
from pipeline.storage import ClickHouse
from pipeline.storage.tables import DEADLETTER_COLUMNS, MENTION_COLUMNS
from pipeline.worker.enrich import BatchResult, Enriched, _dead_letter, deadletter_row, mention_rows
from schemas.deadletter import DeadLetter, Stage

log = logging.getLogger(__name__)

SendDeadLetter = Callable[[DeadLetter], Awaitable[None]]


class BatchWriter:
    """Writes batches with retry; one instance per worker, calls serialised on one thread."""

    def __init__(
        self,
        ch: ClickHouse,
        send_dead_letter: SendDeadLetter,
        *,
        retry_max_seconds: float = 30.0,
        retry_first_seconds: float = 0.2,
    ) -> None:
        self.ch = ch
        self._send_dead_letter = send_dead_letter
        self._retry_max = retry_max_seconds
        self._retry_first = retry_first_seconds
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clickhouse")
        self.outage_started: float | None = None
        self.rows_written = 0
        self.dead_lettered = 0

    async def write(self, result: BatchResult) -> None:
        """Make the whole batch durable; returns only when it is."""
        store_failures: list[DeadLetter] = []
        if result.enriched:
            rows = mention_rows(result.enriched)
            store_failures = await self._insert_isolating("mentions", MENTION_COLUMNS, rows, result.enriched)
        dead = [*result.dead_letters, *store_failures]
        if dead:
            await self._send_all(dead)
            await self.insert_rows("dead_letters", DEADLETTER_COLUMNS, [deadletter_row(d) for d in dead])
        self.dead_lettered += len(dead)

    async def _send_all(self, dead: list[DeadLetter]) -> None:
        """Send a batch's dead letters together, resending those the broker did not ack with backoff.

        Together: every send is queued before any acknowledgement is awaited, so the producer
        puts them in one request per partition instead of one round trip per letter.
        """
        delay = self._retry_first
        attempt = 0
        pending = dead
        while pending:
            attempt += 1
            answers = await asyncio.gather(*(self._send_dead_letter(dl) for dl in pending), return_exceptions=True)
            failed: list[tuple[DeadLetter, BaseException]] = []
            for dl, answer in zip(pending, answers, strict=True):
                if isinstance(answer, KafkaError | TimeoutError | BrokerError | ConnectionError):
                    failed.append((dl, answer))
                elif isinstance(answer, BaseException):
                    raise answer  # not a broker problem (or cancelled): the writer fails with it
            if failed:
                first, exc = failed[0]
                log.warning(
                    "%d of %d dead letters not acknowledged by Kafka (first: %s, %s: %s); retrying in %.1f s "
                    "(attempt %d)", len(failed), len(pending), first.dl_id, type(exc).__name__, exc, delay, attempt,
                )
                delay = await self._back_off(delay)
            pending = [dl for dl, _ in failed]

    async def _back_off(self, delay: float) -> float:
        """Sleep ``delay`` seconds (±20 % jitter); the next, doubled delay, capped at the retry maximum."""
        await asyncio.sleep(delay * (0.8 + 0.4 * random.random()))
        return min(delay * 2, self._retry_max)

    async def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows (dicts) into ``table``, retrying while ClickHouse is unreachable."""
        await self.insert_tuples(table, columns, [tuple(row[c] for c in columns) for row in rows])

    async def insert_tuples(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Insert rows (tuples in ``columns`` order), retrying while ClickHouse is unreachable."""
        await self._retrying(table, columns, rows)
        self.rows_written += len(rows)

    async def _insert_isolating(
        self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]], items: list[Enriched]
    ) -> list[DeadLetter]:
        try:
            await self.insert_tuples(table, columns, rows)
            return []
        except StorageError as exc:
            if len(rows) == 1:
                log.error("ClickHouse refused event %s: %s; dead-lettering it", items[0].event.id, exc)
                rec = items[0].record
                return [_dead_letter(rec, Stage.store, "storage_rejected", str(exc))]
            mid = len(rows) // 2
            log.warning("ClickHouse refused a batch of %d rows (%s); bisecting to find the bad row", len(rows), exc)
            left = await self._insert_isolating(table, columns, rows[:mid], items[:mid])
            right = await self._insert_isolating(table, columns, rows[mid:], items[mid:])
            return left + right

    async def _retrying(self, table: str, columns: Sequence[str], tuples: list[tuple[Any, ...]]) -> None:
        loop = asyncio.get_running_loop()
        delay = self._retry_first
        attempt = 0
        while True:
            attempt += 1
            try:
                await loop.run_in_executor(self._executor, self.ch.insert, table, list(columns), tuples)
            except StorageUnavailable as exc:
                if self.outage_started is None:
                    self.outage_started = time.monotonic()
                down = time.monotonic() - self.outage_started
                log.warning(
                    "ClickHouse unreachable (%s); insert of %d rows into %s retried in %.1f s "
                    "(attempt %d, down for %.0f s); consumption is paused meanwhile",
                    exc,
                    len(tuples),
                    table,
                    delay,
                    attempt,
                    down,
                    extra={"table": table, "attempt": attempt},
                )
                delay = await self._back_off(delay)
                continue
            if self.outage_started is not None:
                log.warning(
                    "ClickHouse is back after %.0f s; resuming", time.monotonic() - self.outage_started
                )
                self.outage_started = None
            return

    async def run_blocking(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a blocking storage call on the writer's thread (serialised with inserts)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def close(self) -> None:
        """Stop the writer's thread."""
        self._executor.shutdown(wait=False, cancel_futures=True)
