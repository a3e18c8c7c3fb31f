"""The Faust application: one agent that turns raw events into stored mentions.

The agent is a thin transport layer around :func:`process_batch` (pure) and
:class:`BatchWriter` (durable writes). Offsets are committed by Faust only for
messages we have released after a successful write (see :func:`_hold`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

import faust
from aiokafka.errors import KafkaError
from faust.types import EventT

from pipeline.config import Settings
from pipeline.errors import BrokerError, StorageUnavailable
from pipeline.kafka.topics import Topics, bootstrap_servers
from pipeline.storage import ClickHouse
from pipeline.web.context import WebContext
from pipeline.worker import diagnostics
from pipeline.worker.analysis_pool import AnalysisPool
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
    """A configured Faust app with its agent, writer and listeners."""

    app: faust.App
    topics: Topics
    writer: BatchWriter
    analysis: AnalysisPool
    stats: WorkerStats
    listeners: list[BatchListener]
    web: WebContext
    exit_code: int = 0
    """What :func:`run_worker` returns (set by the job run beside the worker)."""

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
    """A batch taken from the stream whose processing has started."""

    events: Sequence[EventT]
    size: int
    result: asyncio.Future[BatchResult]


def _hold(events: Sequence[EventT]) -> None:
    # Faust's take_events() acks every event of a batch in a ``finally`` - also when the
    # agent is cancelled mid-write. One extra reference per message means that ack cannot
    # complete; the offset becomes committable only when _release() drops our reference.
    for event in events:
        event.message.incref()


def _release(events: Sequence[EventT], app: faust.App) -> None:
    for event in events:
        event.message.ack(app.consumer)


EX_SOFTWARE = 70
"""Exit code of a worker that stopped because its agent failed (sysexits: internal software error)."""


def stop_on_failure(exc: BaseException) -> NoReturn:
    """Exit the worker process with :data:`EX_SOFTWARE` after the enrich agent failed unexpectedly.

    Crash-only: Faust would restart the agent in place, but the batches the failed agent held can
    then never be released, so their partitions stop committing, and a graceful stop or a
    rebalance would wait for them forever. Exiting commits nothing more; the process supervisor
    (compose's restart policy, systemd) starts the worker again, and everything not yet committed
    is read again (the tables absorb the repeats).
    """
    import multiprocessing
    import os

    log.critical(
        "the enrich agent failed (%s: %s); the worker exits with code %d and everything not yet "
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
    """Build the Faust app and its enrich agent for a broker and a ClickHouse connection."""
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
        stream_buffer_maxsize=max(4 * settings.batch_size, 1024),
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
    pipeline = Pipeline(app, topics, writer, pool, stats, list(listeners or []), web)
    source = app.topic(*topics.inputs, key_serializer="raw", value_serializer="raw")

    @app.agent(source, name="enrich")
    async def enrich(stream: faust.StreamT[bytes]) -> None:
        # This loop takes a batch and starts its analysis (other process); the finisher writes
        # finished batches in arrival order and, one batch behind, runs the listeners and then
        # releases the offsets. The queue bounds the batches in flight (back-pressure on Faust).
        inflight: asyncio.Queue[_InFlight] = asyncio.Queue(maxsize=settings.pipeline_depth)
        finisher = asyncio.ensure_future(_finish_batches(inflight))
        finisher.add_done_callback(_stop_if_failed)  # also when no further batch comes to notice it
        try:
            # take_events is faust-streaming's (not in its StreamT stub): batches of events, not values
            takes = stream.take_events(settings.batch_size, within=settings.batch_seconds)  # type: ignore[attr-defined]
            async for events in takes:
                _hold(events)
                records = [
                    RawRecord(e.message.topic, e.message.partition, e.message.offset, e.value, e.message.timestamp)
                    for e in events
                ]
                batch = _InFlight(events, len(records), asyncio.ensure_future(_process(records)))
                put = asyncio.ensure_future(inflight.put(batch))
                await asyncio.wait({put, finisher}, return_when=asyncio.FIRST_COMPLETED)
                if finisher.done():
                    put.cancel()
                    finisher.result()  # re-raise what stopped the finisher: the agent fails with it
                    raise RuntimeError("the batch finisher stopped")
        except Exception as exc:
            stop_on_failure(exc)
        finally:
            finisher.cancel()

    def _stop_if_failed(task: asyncio.Future[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            stop_on_failure(task.exception())  # type: ignore[arg-type]

    async def _finish_batches(inflight: asyncio.Queue[_InFlight]) -> None:
        # Two stages in order: the write of batch N+1 overlaps the listeners of batch N, so the
        # storage thread and the event loop work side by side. One stored batch waits at most.
        stored: asyncio.Queue[tuple[_InFlight, BatchResult]] = asyncio.Queue(maxsize=1)
        stages = [asyncio.ensure_future(_write_batches(inflight, stored)),
                  asyncio.ensure_future(_notify_batches(stored))]
        try:
            done, _ = await asyncio.wait(stages, return_when=asyncio.FIRST_EXCEPTION)
            for stage in done:
                stage.result()  # re-raise what stopped it
        finally:
            for stage in stages:
                stage.cancel()  # a failed stage stops the other one too (gather would leave it running)

    async def _write_batches(
        inflight: asyncio.Queue[_InFlight], stored: asyncio.Queue[tuple[_InFlight, BatchResult]]
    ) -> None:
        while True:
            batch = await inflight.get()
            result = await batch.result
            await writer.write(result)
            await stored.put((batch, result))

    async def _notify_batches(stored: asyncio.Queue[tuple[_InFlight, BatchResult]]) -> None:
        while True:
            batch, result = await stored.get()
            for listener in pipeline.listeners:
                await _notify(listener, result)
            _release(batch.events, app)  # offsets move only after the write and every listener
            stats.batches += 1
            stats.events += batch.size
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
