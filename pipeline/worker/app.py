"""The Faust application that turns raw events into stored mentions.

The worker is a thin transport layer around the pure batch functions of
:mod:`pipeline.worker.enrich` and :class:`BatchWriter` (durable writes). The inputs come in
batches from :mod:`pipeline.worker.batch_drain`; Faust commits offsets only for messages
released after a successful write and every listener.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import faust
from aiokafka.errors import KafkaError
from faust.types import Message

from pipeline.config import Settings
from pipeline.errors import BrokerError, StorageUnavailable
from pipeline.kafka.topics import Topics, bootstrap_servers
from pipeline.storage import ClickHouse
from pipeline.web.context import WebContext
from pipeline.worker import diagnostics
from pipeline.worker.analysis_pool import AnalysisPool
from pipeline.worker.batch_drain import batch_consumer, drain_in_batches
from pipeline.worker.enrich import BatchResult, RawRecord, assemble, decode_batch
from pipeline.worker.event_loop import use_event_loop
from pipeline.worker.faust_tuning import set_fetch_max_wait
from pipeline.worker.gc_tuning import quiet_gc
from pipeline.worker.writer import BatchWriter
from schemas.deadletter import DeadLetter

log = logging.getLogger(__name__)

BatchListener = Callable[[BatchResult], Awaitable[None]]
"""Called after a batch is stored and before its offsets are released (service desk, live
stream, alerts ...). Listeners must be idempotent: after a crash a batch is seen again.
A listener raising a transient error (broker or storage unreachable) is retried with backoff;
any other error is logged and the batch goes on."""


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


@dataclass
class Pipeline:
    """A configured Faust app with its batch source, writer and listeners."""

    app: faust.App
    topics: Topics
    writer: BatchWriter
    analysis: AnalysisPool
    stats: WorkerStats
    listeners: list[BatchListener]
    web: WebContext
    in_flight: asyncio.Queue[_InFlight]
    """Batches taken from the inputs and not yet stored (bounded: ``SOCIALLISTEN_PIPELINE_DEPTH``)."""
    exit_code: int = 0
    """What :func:`run_worker` returns (set by the job run beside the worker)."""
    idle: Callable[[], bool] = lambda: True
    """Whether the worker would start a batch at once (batches are then handed over early)."""

    def serve_web(self, host: str, port: int) -> None:
        """Also serve the API and web pages from this worker process."""
        from pipeline.web.app import create_web_app
        from pipeline.web.server import serve

        web_app = create_web_app(self.web)

        @self.app.task
        async def _web() -> None:
            await serve(web_app, host, port)


@dataclass(slots=True)
class _InFlight:
    """A batch taken from the input topics whose processing has started."""

    messages: list[Message]
    result: asyncio.Future[BatchResult]


EX_SOFTWARE = 70
"""Exit code of a worker that stopped because its enrich stage failed (sysexits: internal software error)."""


def stop_on_failure(exc: BaseException) -> NoReturn:
    """Exit the worker process with :data:`EX_SOFTWARE` after the enrich stage failed unexpectedly.

    Crash-only: the batches the failed stage held can never be released, so their partitions
    would stop committing, and a graceful stop or a rebalance would wait for them forever.
    Exiting commits nothing more; the process supervisor (compose's restart policy, systemd)
    starts the worker again, and everything not yet committed is read again (the tables absorb
    the repeats).
    """
    import multiprocessing
    import os

    log.critical(
        "the enrich stage failed (%s: %s); the worker exits with code %d and everything not yet "
        "committed is read again when it restarts (run workers under a supervisor that restarts them)",
        type(exc).__name__, exc, EX_SOFTWARE, exc_info=exc,
    )
    for child in multiprocessing.active_children():  # the analysis process
        child.terminate()
    logging.shutdown()  # flush the logs: nothing else runs after this
    os._exit(EX_SOFTWARE)


def faust_broker_urls(bootstrap: str) -> list[str]:
    """Faust's broker list from 'host:port[,host:port]' or 'kafka://...'."""
    return [f"kafka://{hp.strip()}" for hp in bootstrap_servers(bootstrap).split(",") if hp.strip()]


def create_pipeline(
    settings: Settings, bootstrap: str, ch: ClickHouse, *, listeners: list[BatchListener] | None = None
) -> Pipeline:
    """Build the Faust app and its enrich stage for a broker and a ClickHouse connection."""
    use_event_loop(settings.event_loop)  # before Faust creates its loop
    topics = Topics.from_settings(settings)
    set_fetch_max_wait(settings.fetch_max_wait_ms)
    web_port = settings.worker_web_port
    faust_dir = settings.data_dir / "faust"
    faust_dir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.app_id,
        broker=faust_broker_urls(bootstrap),
        store="memory://",
        datadir=str(faust_dir),  # Faust's own files, never the working directory
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        broker_rebalance_timeout=settings.rebalance_timeout,
        broker_session_timeout=max(settings.rebalance_timeout, 10.0),
        broker_heartbeat_interval=min(3.0, settings.rebalance_timeout / 3),
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        # a produce that gets no answer fails after this (and is retried by the sender) instead of
        # holding the batch, and with it the partition's progress, for Faust's default 20 minutes
        producer_request_timeout=settings.produce_timeout,
        stream_buffer_maxsize=1024,  # the desk agent's buffer; the inputs bypass agents (batch_drain)
        # bounds read-ahead memory; a larger (hostile) message still comes alone and is dead-lettered
        consumer_max_fetch_size=settings.fetch_partition_bytes,
        web_enabled=web_port is not None,
        web_port=web_port or 6066,
        web_host=settings.web_host,
        autodiscover=False,
    )
    pool = AnalysisPool(settings.resolved_lexicon, settings.analysis_processes)
    dlq = app.topic(topics.deadletter, key_serializer="raw", value_serializer="raw")

    async def send_dead_letter(dl: DeadLetter) -> None:
        fut = await dlq.send(key=dl.dl_id.encode(), value=dl.model_dump_json().encode())
        await fut  # wait for the broker's ack: the dead letter is durable before we release

    writer = BatchWriter(ch, send_dead_letter, retry_max_seconds=settings.retry_max_seconds)
    stats = WorkerStats()
    web = WebContext(settings=settings, ch=ch, run_blocking=writer.run_blocking)
    inflight: asyncio.Queue[_InFlight] = asyncio.Queue(maxsize=settings.pipeline_depth)
    pipeline = Pipeline(app, topics, writer, pool, stats, list(listeners or []), web, inflight)
    source = app.topic(*topics.inputs, key_serializer="raw", value_serializer="raw")
    # The inputs bypass Faust's per-event delivery (batch_drain): whole batches come to
    # take_batch, in the consumer's drain task. It starts the batch's analysis (other process)
    # and queues it; the finisher writes finished batches in arrival order and, one batch
    # behind, runs the listeners and then releases the offsets. The queue bounds the batches in
    # flight: a full queue holds the drain loop (back-pressure on fetching).

    analysing = 0  # batches taken whose analysis has not finished
    unwritten = 0  # batches taken and not yet written

    def analysis_done(_: asyncio.Future[BatchResult]) -> None:
        nonlocal analysing
        analysing -= 1

    def idle() -> bool:
        # the analysis is free and the writer has at most the batch it is writing: a batch taken
        # now starts at once, and its analysis overlaps that write
        return analysing == 0 and unwritten <= 1

    async def take_batch(messages: list[Message]) -> None:
        nonlocal analysing, unwritten
        try:
            records = [RawRecord(m.topic, m.partition, m.offset, m.value, m.timestamp) for m in messages]
            batch = _InFlight(messages, asyncio.ensure_future(_process(records)))
            try:
                await inflight.put(batch)
            except asyncio.CancelledError:  # the consumer stops: never accepted, nothing held, read again later
                batch.result.cancel()
                raise
            batch_consumer(app).hold(messages)  # in the same step as the put: the finisher cannot release first
            analysing += 1
            unwritten += 1
            batch.result.add_done_callback(analysis_done)  # runs soon if the analysis is already done
        except Exception as exc:
            stop_on_failure(exc)

    pipeline.idle = idle
    # while the worker is idle, a batch goes as soon as it is batch_min_seconds old (smart batching)
    drain_in_batches(app, source, take_batch, max_events=settings.batch_size, max_seconds=settings.batch_seconds,
                     min_seconds=settings.batch_min_seconds, idle=idle)

    @app.task
    async def _finisher() -> None:
        try:
            await _finish_batches()
        except Exception as exc:
            stop_on_failure(exc)

    async def _finish_batches() -> None:
        # Two stages in order: the write of batch N+1 overlaps the listeners of batch N, so the
        # storage thread and the event loop work side by side. One stored batch waits at most.
        stored: asyncio.Queue[tuple[_InFlight, BatchResult]] = asyncio.Queue(maxsize=1)
        stages = [asyncio.ensure_future(_write_batches(stored)), asyncio.ensure_future(_notify_batches(stored))]
        try:
            done, _ = await asyncio.wait(stages, return_when=asyncio.FIRST_EXCEPTION)
            for stage in done:
                stage.result()  # re-raise what stopped it
        finally:
            for stage in stages:
                stage.cancel()  # a failed stage stops the other one too (gather would leave it running)

    async def _write_batches(stored: asyncio.Queue[tuple[_InFlight, BatchResult]]) -> None:
        nonlocal unwritten
        while True:
            batch = await inflight.get()
            result = await batch.result
            await writer.write(result)
            unwritten -= 1
            await stored.put((batch, result))

    async def _notify_batches(stored: asyncio.Queue[tuple[_InFlight, BatchResult]]) -> None:
        while True:
            batch, result = await stored.get()
            for listener in pipeline.listeners:
                await _notify(listener, result)
            batch_consumer(app).release(batch.messages)  # offsets move only after the write and every listener
            stats.batches += 1
            stats.events += len(batch.messages)
            stats.stored += len(result.enriched)
            stats.dead_lettered += len(result.dead_letters)
            stats.last_batch_at = time.monotonic()

    async def _process(records: list[RawRecord]) -> BatchResult:
        valid, dead = decode_batch(records, max_bytes=settings.max_event_bytes, max_text_chars=settings.max_text_chars)
        analyses = await pool.analyze([ev.text for _, ev in valid], [ev.title for _, ev in valid])
        return assemble(valid, analyses, dead)

    @app.task
    async def _start_analysis() -> None:
        await asyncio.get_running_loop().run_in_executor(None, pool.start)
        quiet_gc()  # start-up is over: keep the collector off the long-lived state

    from pipeline.monitor.wiring import attach_monitoring

    attach_monitoring(pipeline, settings)
    diagnostics.install(pipeline, stall_seconds=settings.stall_seconds, check_seconds=settings.stall_check_seconds)
    return pipeline


async def _notify(listener: BatchListener, result: BatchResult) -> None:
    delay = 0.5
    while True:
        try:
            await listener(result)
            return
        except (TimeoutError, StorageUnavailable, KafkaError, BrokerError, ConnectionError) as exc:
            log.warning("batch listener %s: transient error %s; retrying in %.1f s",
                        getattr(listener, "__name__", listener), exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
        except Exception:
            log.exception("batch listener %s failed; the batch itself is stored",
                          getattr(listener, "__name__", listener))
            return


def run_worker(
    pipeline: Pipeline,
    settings: Settings,
    *,
    until: Callable[[], Awaitable[Any]] | None = None,
) -> int:
    """Run the Faust worker in this process until stopped (signal) or ``until()`` returns.

    Returns the process exit code.
    """
    import os
    import signal
    import sys

    app = pipeline.app
    if until is not None:

        @app.task
        async def _until() -> None:
            code = 0
            try:
                await until()
            except Exception:
                log.exception("the job running beside the worker failed")
                code = 1
            pipeline.exit_code = code
            os.kill(os.getpid(), signal.SIGTERM)  # mode's handler stops the worker gracefully

    worker = faust.Worker(
        app,
        loglevel=settings.log_level,
        quiet=True,
        override_logging=False,
        redirect_stdouts=False,
        stdout=sys.stderr,
    )
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        if exc.code not in (0, None):
            return int(exc.code) if isinstance(exc.code, int) else 1
    finally:
        pipeline.writer.close()
        pipeline.analysis.close()
    return pipeline.exit_code
