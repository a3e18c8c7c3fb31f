"""The worker's stages for the input batches: take -> analyse -> write -> notify -> release.

- **take** (the consumer's drain task, :mod:`pipeline.worker.batch_drain`): a gathered batch is
  decoded and its analysis started in the analysis processes; the batch is queued in flight
  (bounded: ``SOCIALLISTEN_PIPELINE_DEPTH``; a full queue holds the drain loop, which stops
  fetching) and its messages are held so their offsets cannot be committed.
- **write**: batches are written in arrival order as their analyses finish (:class:`BatchWriter`),
  after the preparers (hot events) saw them, in order, on a thread of their own.
- **notify**: one batch behind the writes, every listener sees the stored batch (service desk,
  live feed, cascades); a transient failure is retried under the retry policy.
- **release**: the batch's offsets may be committed — only after the write and every listener.

The write of batch N+1 overlaps the listeners of batch N, so the storage thread and the event
loop work side by side. An unexpected failure in any stage ends the process (:func:`stop_on_failure`).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import NoReturn

import faust
from faust.types import Message

from pipeline.config import WorkerSettings
from pipeline.decode import decode_batch
from pipeline.metrics import Metrics
from pipeline.records import BatchListener, BatchPreparer, BatchResult, RawRecord, TableRows
from pipeline.retry import RetryPolicy
from pipeline.text.normalize import analysed_part
from pipeline.tracking.decode import decode_tracking
from pipeline.worker.analysis_pool import AnalysisPool
from pipeline.worker.batch_drain import batch_consumer
from pipeline.worker.enrich import assemble
from pipeline.worker.writer import BatchWriter
from schemas.deadletter import DeadLetter

log = logging.getLogger(__name__)

EX_SOFTWARE = 70
"""Exit code of a worker that stopped because a stage failed (sysexits: internal software error)."""


def stop_on_failure(exc: BaseException) -> NoReturn:
    """Exit the worker process with :data:`EX_SOFTWARE` after a stage failed unexpectedly.

    Crash-only: the batches the failed stage held can never be released, so their partitions
    would stop committing, and a graceful stop or a rebalance would wait for them forever.
    Exiting commits nothing more; the process supervisor (compose's restart policy, systemd)
    starts the worker again, and everything not yet committed is read again (the tables absorb
    the repeats).
    """
    log.critical(
        "the enrich stage failed (%s: %s); the worker exits with code %d and everything not yet "
        "committed is read again when it restarts (run workers under a supervisor that restarts them)",
        type(exc).__name__, exc, EX_SOFTWARE, exc_info=exc,
    )
    exit_now()


def exit_now() -> NoReturn:
    """End the worker process at once with :data:`EX_SOFTWARE`, its analysis processes with it."""
    for child in multiprocessing.active_children():  # the analysis processes (they ignore SIGTERM)
        child.kill()
    logging.shutdown()  # flush the logs: nothing else runs after this
    os._exit(EX_SOFTWARE)


@dataclass
class WorkerStats:
    """Counters of one worker process, for logs and the demo."""

    batches: int = 0
    events: int = 0
    stored: int = 0
    dead_lettered: int = 0
    started: float = field(default_factory=time.monotonic)
    last_batch_at: float = 0.0

    def idle_seconds(self) -> float:
        """Seconds since the last batch finished (since start, before the first one)."""
        return time.monotonic() - (self.last_batch_at or self.started)

    def count(self, events: int, result: BatchResult) -> None:
        """Count one released batch of ``events`` input messages."""
        self.batches += 1
        self.events += events
        self.stored += len(result.enriched) + result.tracked_rows
        self.dead_lettered += len(result.dead_letters)
        self.last_batch_at = time.monotonic()


@dataclass(slots=True)
class InFlight:
    """A batch taken from the input topics whose processing has started."""

    messages: list[Message]
    result: asyncio.Future[BatchResult]


class Stages:
    """The input batches' way through one worker, with its in-flight accounting."""

    def __init__(self, app: faust.App, pool: AnalysisPool, writer: BatchWriter, settings: WorkerSettings,
                 retry: RetryPolicy, metrics: Metrics, tracking: Mapping[str, str] | None = None) -> None:
        """Stages of ``app`` analysing in ``pool`` and storing through ``writer``.

        ``tracking``: the tracking topics (full name -> short name); their records are decoded into
        tracking rows (:mod:`pipeline.tracking.decode`) instead of being analysed as text.
        """
        self.tracking = dict(tracking or {})
        self.app = app
        self.pool = pool
        self.writer = writer
        self.settings = settings
        self.retry = retry
        self.metrics = metrics
        self.listeners: list[BatchListener] = []
        self.preparers: list[BatchPreparer] = []
        self._prepare_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare")
        self.stats = WorkerStats()
        self.in_flight: asyncio.Queue[InFlight] = asyncio.Queue(maxsize=settings.pipeline_depth)
        """Batches taken from the inputs and not yet stored."""
        self.held = asyncio.Semaphore(settings.pipeline_depth + 1)
        """Batches taken and not yet released: ``pipeline_depth`` analysed or written, and one whose
        listeners run. A batch waiting in a queue holds its events' memory without adding throughput,
        so the drain waits here (gathering no further) instead of starting another."""
        self.analysing = 0
        """Batches taken whose analysis has not finished."""
        self.unwritten = 0
        """Batches taken and not yet written."""

    def add_listener(self, listener: BatchListener) -> None:
        """Call ``listener`` with every stored batch, before its offsets are released."""
        self.listeners.append(listener)

    def add_preparer(self, preparer: BatchPreparer) -> None:
        """Call ``preparer`` with every batch, in arrival order, before it is written."""
        self.preparers.append(preparer)

    def idle(self) -> bool:
        """Whether a batch taken now would start at once (the drain then hands batches over early).

        The analysis is free and the writer has at most the batch it is writing: a batch taken
        now starts at once, and its analysis overlaps that write.
        """
        return self.analysing == 0 and self.unwritten <= 1

    # ---- take -------------------------------------------------------------------------
    async def take(self, messages: list[Message]) -> None:
        """Start a gathered batch's analysis and queue it in flight (the drain task calls this)."""
        try:
            await self.held.acquire()  # cancelled here (the consumer stops): nothing taken, read again later
            records = [RawRecord(m.topic, m.partition, m.offset, m.value, m.timestamp) for m in messages]
            batch = InFlight(messages, asyncio.ensure_future(self.analyse(records)))
            try:
                await self.in_flight.put(batch)
            except asyncio.CancelledError:  # the consumer stops: never accepted, nothing held, read again later
                batch.result.cancel()
                self.held.release()
                raise
            batch_consumer(self.app).hold(messages)  # in the same step as the put: nothing can release first
            self.analysing += 1
            self.unwritten += 1
            batch.result.add_done_callback(self._analysis_done)  # runs soon if the analysis is already done
        except Exception as exc:
            stop_on_failure(exc)

    def _analysis_done(self, _: asyncio.Future[BatchResult]) -> None:
        self.analysing -= 1

    # ---- analyse ----------------------------------------------------------------------
    async def analyse(self, records: list[RawRecord]) -> BatchResult:
        """Decode and validate here, analyse the texts in the analysis processes, pair them up."""
        cfg = self.settings
        started = time.perf_counter()
        records, tracked, tracking_dead = self._split_tracking(records)
        valid, dead = decode_batch(records, max_bytes=cfg.max_event_bytes, max_text_chars=cfg.max_text_chars)
        self.metrics.events_consumed.inc(len(valid) + len(dead))
        # a long text's unread rest stays here: the processes get what normalisation reads
        analyses = await self.pool.analyze([analysed_part(ev.text) for _, ev in valid], [ev.title for _, ev in valid])
        result = assemble(valid, analyses, dead)
        result.tracked = tracked
        result.dead_letters.extend(tracking_dead)
        self.metrics.batch_seconds.labels(stage="analyse").observe(time.perf_counter() - started)
        return result

    def _split_tracking(
        self, records: list[RawRecord]
    ) -> tuple[list[RawRecord], dict[str, TableRows], list[DeadLetter]]:
        """The text records apart; the tracking records decoded into rows and dead letters."""
        if not self.tracking or not any(r.topic in self.tracking for r in records):
            return records, {}, []
        tracked, dead = decode_tracking([r for r in records if r.topic in self.tracking], self.tracking)
        self.metrics.events_consumed.inc(sum(len(t.rows) for t in tracked.values()) + len(dead))
        return [r for r in records if r.topic not in self.tracking], tracked, dead

    # ---- write, notify, release ----------------------------------------------------------
    async def run(self) -> None:
        """Write and notify in two concurrent stages, until cancelled; a failure ends the process."""
        stored: asyncio.Queue[tuple[InFlight, BatchResult]] = asyncio.Queue(maxsize=1)
        stages = [asyncio.ensure_future(self._write(stored)), asyncio.ensure_future(self._notify(stored))]
        try:
            done, _ = await asyncio.wait(stages, return_when=asyncio.FIRST_EXCEPTION)
            for stage in done:
                stage.result()  # re-raise what stopped it
        except Exception as exc:
            stop_on_failure(exc)
        finally:
            for stage in stages:
                stage.cancel()  # a failed stage stops the other one too (gather would leave it running)

    async def _write(self, stored: asyncio.Queue[tuple[InFlight, BatchResult]]) -> None:
        while True:
            batch = await self.in_flight.get()
            result = await batch.result
            started = time.perf_counter()
            if self.preparers and result.enriched:
                await asyncio.get_running_loop().run_in_executor(self._prepare_thread, self._prepare, result)
            await self.writer.write(result)
            self.metrics.batch_seconds.labels(stage="write").observe(time.perf_counter() - started)
            self._count_stored(result)
            self.unwritten -= 1
            await stored.put((batch, result))

    async def _notify(self, stored: asyncio.Queue[tuple[InFlight, BatchResult]]) -> None:
        while True:
            batch, result = await stored.get()
            started = time.perf_counter()
            for listener in self.listeners:
                await self._tell(listener, result)
            self.metrics.batch_seconds.labels(stage="notify").observe(time.perf_counter() - started)
            batch_consumer(self.app).release(batch.messages)  # offsets move only after the write and every listener
            self.held.release()
            self.stats.count(len(batch.messages), result)

    def _prepare(self, result: BatchResult) -> None:
        for preparer in self.preparers:
            try:
                preparer(result)
            except Exception:
                log.exception("batch preparer %s failed; the batch is written without it",
                              getattr(preparer, "__qualname__", repr(preparer)))

    def _count_stored(self, result: BatchResult) -> None:
        self.metrics.events_stored.inc(len(result.enriched) + result.tracked_rows)
        for dl in result.dead_letters:
            self.metrics.dead_letters.labels(reason=dl.reason).inc()

    async def _tell(self, listener: BatchListener, result: BatchResult) -> None:
        name = getattr(listener, "__qualname__", repr(listener))
        try:
            await self.retry.call(f"batch listener {name}", listener, result)
        except Exception:
            log.exception("batch listener %s failed; the batch itself is stored", name)
