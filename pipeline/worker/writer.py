"""Durable writes of one processed batch: dead letters to Kafka, rows to ClickHouse.

The worker releases a batch's offsets only after :meth:`BatchWriter.write` returned, so
a crash at any point replays the batch and the idempotent tables absorb the repeat.

- ClickHouse unreachable (:class:`~pipeline.errors.StorageUnavailable`): retry the same insert
  under the retry policy (:mod:`pipeline.retry`), forever, logging each attempt. The worker is
  blocked meanwhile, so the batches in flight fill their bounded queue and fetching stops:
  memory stays bounded.
- ClickHouse refuses the rows (any other :class:`~pipeline.errors.StorageError`): split the batch
  in halves until the offending row is alone, then dead-letter that row (stage ``store``) and
  keep the rest.
- Kafka does not acknowledge a dead letter (:class:`~pipeline.errors.BrokerUnavailable`: the send
  timed out after ``SOCIALLISTEN_PRODUCE_TIMEOUT`` or the broker is unreachable): send it again
  under the same policy; it is never dropped, and the batch's offsets wait for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from pipeline.errors import BrokerUnavailable, StorageError, StorageUnavailable
from pipeline.metrics import Metrics
from pipeline.records import BatchResult, TableRows, dead_letter
from pipeline.retry import RetryPolicy, is_transient
from pipeline.storage import ClickHouse
from pipeline.storage.tables import DEADLETTER_COLUMNS, MENTION_COLUMNS, deadletter_row, mention_rows
from pipeline.tracking.rows import TRACKING_COLUMNS
from schemas.deadletter import DeadLetter, Stage

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

SendDeadLetter = Callable[[DeadLetter], Awaitable[None]]
"""Sends one dead letter and returns once Kafka acknowledged it (raises BrokerUnavailable if not)."""


class _NotAcknowledged(BrokerUnavailable):
    """Internal: some dead letters of a batch are still unacknowledged (retried like any transient failure)."""


class BatchWriter:
    """Writes batches with retry; one instance per worker, storage calls serialised on one thread."""

    def __init__(self, ch: ClickHouse, send_dead_letter: SendDeadLetter, *, retry: RetryPolicy | None = None,
                 metrics: Metrics | None = None) -> None:
        """Write to ``ch``, send dead letters with ``send_dead_letter``, wait out outages under ``retry``."""
        self.ch = ch
        self._send_dead_letter = send_dead_letter
        self._retry = retry or RetryPolicy()
        self._metrics = metrics or Metrics()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clickhouse")
        self.outage_started: float | None = None
        self.rows_written = 0
        self.dead_lettered = 0

    async def write(self, result: BatchResult) -> None:
        """Make the whole batch durable; returns only when it is."""
        store_failures: list[DeadLetter] = []
        if result.enriched:
            rows = mention_rows(result.enriched)
            mentions = TableRows([e.record for e in result.enriched], rows, [e.event.id for e in result.enriched])
            store_failures = await self._insert_isolating("mentions", MENTION_COLUMNS, mentions)
        for table, tracked in result.tracked.items():
            if tracked.rows:
                store_failures += await self._insert_isolating(table, TRACKING_COLUMNS[table], tracked)
        dead = [*result.dead_letters, *store_failures]
        if dead:
            await self._send_all(dead)
            await self.insert_rows("dead_letters", DEADLETTER_COLUMNS, [deadletter_row(d) for d in dead])
        self.dead_lettered += len(dead)

    async def _send_all(self, dead: list[DeadLetter]) -> None:
        """Send a batch's dead letters together, resending those the broker did not ack.

        Together: every send is queued before any acknowledgement is awaited, so the producer
        puts them in one request per partition instead of one round trip per letter.
        """
        pending = list(dead)

        async def send_pending() -> None:
            answers = await asyncio.gather(*(self._send_dead_letter(dl) for dl in pending), return_exceptions=True)
            failed = []
            for dl, answer in zip(pending, answers, strict=True):
                if isinstance(answer, BaseException) and not is_transient(answer):
                    raise answer  # not a broker problem (or cancelled): the writer fails with it
                if answer is not None:
                    failed.append((dl, answer))
            pending[:] = [dl for dl, _ in failed]
            if failed:
                first, exc = failed[0]
                raise _NotAcknowledged(f"{len(failed)} dead letters not acknowledged by Kafka "
                                       f"(first: {first.dl_id}, {type(exc).__name__}: {exc})")

        await self._retry.call("sending dead letters", send_pending)

    async def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows (dicts) into ``table``, retrying while ClickHouse is unreachable."""
        await self.insert_tuples(table, columns, [tuple(row[c] for c in columns) for row in rows])

    async def insert_tuples(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Insert rows (tuples in ``columns`` order), retrying while ClickHouse is unreachable."""
        await self._retry.call(f"insert of {len(rows)} rows into {table}", self._insert_once, table, columns, rows)
        self.rows_written += len(rows)

    async def _insert_once(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        started = time.perf_counter()
        try:
            await self.run_blocking(self.ch.insert, table, list(columns), rows)
        except StorageUnavailable:
            self._metrics.clickhouse_insert_seconds.observe(time.perf_counter() - started)
            if self.outage_started is None:
                self.outage_started = time.monotonic()
                log.warning("ClickHouse unreachable; consumption is paused until it is back")
            raise
        self._metrics.clickhouse_insert_seconds.observe(time.perf_counter() - started)
        if self.outage_started is not None:
            log.warning("ClickHouse is back after %.0f s; resuming", time.monotonic() - self.outage_started)
            self.outage_started = None

    async def _insert_isolating(self, table: str, columns: Sequence[str], batch: TableRows) -> list[DeadLetter]:
        rows = batch.rows
        try:
            await self.insert_tuples(table, columns, rows)
            return []
        except StorageError as exc:  # permanent: transient ones were retried inside
            if len(rows) == 1:
                log.error("ClickHouse refused %s row %s: %s; dead-lettering it", table, batch.ids[0], exc)
                return [dead_letter(batch.records[0], Stage.store, "storage_rejected", str(exc))]
            mid = len(rows) // 2
            log.warning("ClickHouse refused a batch of %d rows (%s); bisecting to find the bad row", len(rows), exc)
            halves = (TableRows(batch.records[:mid], rows[:mid], batch.ids[:mid]),
                      TableRows(batch.records[mid:], rows[mid:], batch.ids[mid:]))
            left = await self._insert_isolating(table, columns, halves[0])
            right = await self._insert_isolating(table, columns, halves[1])
            return left + right

    async def run_blocking(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking storage call on the writer's thread (serialised with inserts)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    def close(self) -> None:
        """Stop the writer's thread."""
        self._executor.shutdown(wait=False, cancel_futures=True)
