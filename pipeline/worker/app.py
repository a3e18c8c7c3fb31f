"""The worker: a Faust app whose input batches go through :class:`~pipeline.worker.stages.Stages`.

:class:`Worker` builds the Faust app for one settings object, the analysis processes, the batch
writer and the stages, and runs them. It knows nothing of the features plugged into it:
monitoring, the service desk and the web service receive :attr:`Worker.ports` from the
composition root (:mod:`pipeline.assemble`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any

import faust

from pipeline.config import Settings
from pipeline.kafka.security import faust_credentials
from pipeline.kafka.send import send_acknowledged
from pipeline.kafka.topics import Topics, bootstrap_servers
from pipeline.metrics import Metrics
from pipeline.records import BatchListener
from pipeline.retry import RetryPolicy
from pipeline.storage import ClickHouse, StorageError
from pipeline.storage.access import StorageAccess
from pipeline.worker import diagnostics
from pipeline.worker.allocator import clean_file_mappings, limit_arenas, release_file_pages, trim
from pipeline.worker.analysis_pool import AnalysisPool
from pipeline.worker.batch_drain import drain_in_batches
from pipeline.worker.event_loop import use_event_loop
from pipeline.worker.faust_tuning import leave_group_from_generation_0, set_fetch_max_wait
from pipeline.worker.features import WorkerPorts
from pipeline.worker.gc_tuning import quiet_gc
from pipeline.worker.stages import Stages
from pipeline.worker.writer import BatchWriter
from schemas.deadletter import DeadLetter

log = logging.getLogger(__name__)

LAG_SECONDS = 5.0
"""How often the consumer lag metric is refreshed."""
CHDB_LIBRARY = "_chdb"
"""Part of the file name of chDB's library (docs/worker.md, Memory)."""
CHDB_PAGES_SECONDS = 5.0
"""How often a worker storing in chDB drops the library's resident pages (those in use come back: some
10 ms of page faults each time)."""


def faust_broker_urls(bootstrap: str) -> list[str]:
    """Faust's broker list from 'host:port[,host:port]' or 'kafka://...'."""
    return [f"kafka://{hp.strip()}" for hp in bootstrap_servers(bootstrap).split(",") if hp.strip()]


def faust_app(settings: Settings, bootstrap: str) -> faust.App:
    """The Faust app of a worker: consumer group, timeouts and buffers from ``settings``."""
    kafka, web = settings.kafka, settings.web
    faust_dir = settings.data_dir / "faust"
    faust_dir.mkdir(parents=True, exist_ok=True)
    return faust.App(
        kafka.app_id,
        broker=faust_broker_urls(bootstrap),
        broker_credentials=faust_credentials(kafka),
        store="memory://",
        datadir=str(faust_dir),  # Faust's own files, never the working directory
        topic_partitions=kafka.partitions,
        topic_replication_factor=kafka.replication_factor,
        # how soon a crashed or stopped worker's partitions move (docs/failover.md)
        broker_rebalance_timeout=kafka.rebalance_timeout,
        broker_session_timeout=kafka.session_timeout,
        broker_heartbeat_interval=kafka.heartbeat_interval,
        consumer_group_instance_id=kafka.group_instance_id,  # static membership, where resolved to work
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        # a produce that gets no answer fails after this (and is retried by the sender) instead of
        # holding the batch, and with it the partition's progress, for Faust's default 20 minutes
        producer_request_timeout=kafka.produce_timeout,
        stream_buffer_maxsize=1024,  # the desk agent's buffer; the inputs bypass agents (batch_drain)
        # bounds read-ahead memory; a larger (hostile) message still comes alone and is dead-lettered
        consumer_max_fetch_size=kafka.fetch_partition_bytes,
        web_enabled=web.worker_web_port is not None,
        web_port=web.worker_web_port or 6066,
        web_host=web.web_host,
        autodiscover=False,
    )


class Worker:
    """One worker process: the Faust app, its analysis processes, writer and stages."""

    def __init__(self, settings: Settings, bootstrap: str, ch: ClickHouse, metrics: Metrics | None = None) -> None:
        """Build the worker for the broker at ``bootstrap`` and the database ``ch`` (nothing starts yet)."""
        use_event_loop(settings.worker.event_loop)  # before Faust creates its loop
        limit_arenas(settings.worker.malloc_arenas)  # before Faust's threads (callers with chDB: before opening it)
        set_fetch_max_wait(settings.kafka.fetch_max_wait_ms)
        leave_group_from_generation_0()  # a clean stop hands the partitions over at once (faust_tuning)
        self.settings = settings
        self.topics = Topics.from_settings(settings)
        self.app = faust_app(settings, bootstrap)
        self.retry = RetryPolicy(max_seconds=settings.storage.retry_max_seconds)
        self.metrics = metrics or Metrics()
        self.pool = AnalysisPool(settings.resolved_lexicon, settings.worker.analysis_processes,
                                 settings.worker.analysis_event_seconds, malloc_arenas=settings.worker.malloc_arenas,
                                 trim_seconds=settings.worker.malloc_trim_seconds)
        dlq = self.app.topic(self.topics.deadletter, key_serializer="raw", value_serializer="raw")

        async def send_dead_letter(dl: DeadLetter) -> None:
            await send_acknowledged(dlq, dl.dl_id.encode(), dl.model_dump_json().encode())

        self.writer = BatchWriter(ch, send_dead_letter, retry=self.retry, metrics=self.metrics)
        self.stages = Stages(self.app, self.pool, self.writer, settings.worker, self.retry, self.metrics,
                             tracking=self.topics.tracking)
        self.ports = WorkerPorts(app=self.app, topics=self.topics, storage=StorageAccess(ch, self.writer.run_blocking),
                                 retry=self.retry, metrics=self.metrics, add_listener=self.stages.add_listener,
                                 add_preparer=self.stages.add_preparer)
        """What features may use of this worker."""
        self._loading: list[Future[object]] = []
        """The analysis processes loading, started by :meth:`run`."""
        self.exit_code = 0
        """What :meth:`run` returns (set by the job run beside the worker)."""
        self._chdb_pages = clean_file_mappings(CHDB_LIBRARY) if ch.backend == "chdb" else []
        """chDB's library mappings whose pages :meth:`_release_chdb_pages` drops."""
        release_file_pages(self._chdb_pages)  # its engine has started (and migrated): most of it is not needed again
        self._install()

    def _install(self) -> None:
        cfg = self.settings.worker
        source = self.app.topic(*self.topics.consumed, key_serializer="raw", value_serializer="raw")
        # while the worker is idle, a batch goes as soon as it is batch_min_seconds old (smart batching)
        drain_in_batches(self.app, source, self.stages.take, max_events=cfg.batch_size, max_seconds=cfg.batch_seconds,
                         min_seconds=cfg.batch_min_seconds, idle=self.stages.idle)
        self.ports.on_start(self.stages.run)
        self.ports.on_start(self._start_analysis)
        diagnostics.install(self.ports, self.stages, stall_seconds=cfg.stall_seconds,
                            check_seconds=cfg.stall_check_seconds, exit_seconds=cfg.stall_exit_seconds)
        self.ports.every(LAG_SECONDS, self._record_lag, name="sociallisten.consumer_lag")
        if self.ports.storage.ch.backend == "chdb":
            self.ports.every(CHDB_PAGES_SECONDS, self._release_chdb_pages, name="sociallisten.chdb_pages")
        if cfg.malloc_trim_seconds > 0:
            self.ports.every(cfg.malloc_trim_seconds, self._trim, name="sociallisten.malloc_trim")

    async def _release_chdb_pages(self) -> None:
        """Drop chDB's library pages from this process's memory: most are start-up code (docs/worker.md, Memory)."""
        release_file_pages(self._chdb_pages)

    async def _trim(self) -> None:
        """Give the memory freed by stored batches back to the system (:mod:`pipeline.worker.allocator`).

        With chDB, its engine's allocator (jemalloc, inside chDB's library) too: it keeps freed pages
        for seconds, some 40 MB after a few inserts. On the storage thread: chDB runs one call at a time.
        """
        trim()  # every malloc_trim_seconds: the tick is scheduled in _install
        storage = self.ports.storage
        if storage.ch.backend == "chdb":
            try:
                await storage.run_blocking(storage.ch.execute, "SYSTEM JEMALLOC PURGE")
            except StorageError as exc:  # only memory is at stake: the next tick tries again
                log.debug("chDB's allocator was not purged: %s", exc)

    async def _record_lag(self) -> None:
        """Consumer lag per owned input partition, for ``/metrics``."""
        gauge = self.metrics.consumer_lag
        gauge.clear()  # partitions this worker no longer owns are dropped
        for tp, row in diagnostics.input_lag(self.app, frozenset(self.topics.consumed)).items():
            topic, _, partition = tp.rstrip("]").rpartition("[")
            if row["highwater"] is not None:
                gauge.labels(topic=topic, partition=partition).set(diagnostics.unfinished({tp: row}))

    async def _start_analysis(self) -> None:
        # started from the event loop's thread, which lives as long as the worker: the analysis
        # processes die with it (PR_SET_PDEATHSIG follows the thread that started them)
        await asyncio.gather(*(asyncio.wrap_future(loading) for loading in self._loading or self.pool.launch()))
        processes = self.pool.processes
        log.info("text analysis ready: %s", f"{processes} analysis processes" if processes > 0 else "in the worker")
        quiet_gc()  # start-up is over: keep the collector off the long-lived state

    def add_listener(self, listener: BatchListener) -> None:
        """Call ``listener`` with every stored batch, before its offsets are released."""
        self.stages.add_listener(listener)

    def run(self, *, until: Callable[[], Awaitable[Any]] | None = None) -> int:
        """Run the worker in this process until stopped (signal) or ``until()`` returns; the exit code."""
        if until is not None:
            self.ports.on_start(self._job(until))
        # the analysis processes load while the worker joins its group (Faust starts the worker's
        # tasks only after the first assignment): a restarted worker overlaps its loading with the
        # broker's wait for the crashed one (docs/failover.md)
        self._loading = self.pool.launch()
        worker = faust.Worker(self.app, loglevel=self.settings.logs.log_level, quiet=True, override_logging=False,
                              redirect_stdouts=False, stdout=sys.stderr)
        try:
            worker.execute_from_commandline()
        except SystemExit as exc:
            if exc.code not in (0, None):
                return int(exc.code) if isinstance(exc.code, int) else 1
        finally:
            self.writer.close()
            self.pool.close()
        return self.exit_code

    def _job(self, until: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            code = 0
            try:
                await until()
            except Exception:
                log.exception("the job running beside the worker failed")
                code = 1
            self.exit_code = code
            os.kill(os.getpid(), signal.SIGTERM)  # mode's handler stops the worker gracefully

        return job
