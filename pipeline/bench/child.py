"""Worker processes the benchmark measures (run as ``python -m pipeline.bench.child MODE ...``).

- ``faust-count``: a Faust agent that only decodes (orjson) and counts: Faust's own per-event ceiling.
- ``faust-batch-count``: the same decode-and-count fed by the worker's batch drain
  (:mod:`pipeline.worker.batch_drain`) instead of an agent: the transport ceiling the worker has.
- ``full``: the real worker (:func:`pipeline.assemble.assemble`, the service desk switched off by
  ``SOCIALLISTEN_DESK_ENABLED=false``) plus a listener timing every stored batch.
- ``logged``: the real worker until it is stopped or killed, appending one JSON line per stored
  batch to ``--out``: when it was stored and which input partitions it came from (the failover
  benchmark, :mod:`pipeline.bench.failover`).

The first three write one JSON object to ``--out`` when they have seen ``--events`` events, then stop.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import time
from pathlib import Path
from typing import Any

import orjson

MAX_LATENCIES = 100_000


def _peak_rss_mb() -> float:
    """Peak RSS of this process image: VmHWM (Linux), else ru_maxrss.

    ru_maxrss alone would be wrong here: Linux carries it over fork and exec, so a child
    started by the (large) benchmark process would report the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mb() -> list[float]:
    """Peak RSS (VmHWM) of each process this one started that is still running (its analysis processes)."""
    import psutil

    peaks = []
    for proc in psutil.Process().children(recursive=True):
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
        except OSError:
            continue  # ended meanwhile, or not Linux
        peaks += [int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")]
    return peaks


def ready_marker(out: Path) -> Path:
    """The file a ``full`` child creates once its first batch is stored."""
    return out.with_name(out.name + ".ready")


def _stop() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


class _Counter:
    """Decodes (orjson) and counts events; writes the figures to ``out`` and stops at ``events``."""

    def __init__(self, events: int, out: Path, packed: bool) -> None:
        self.events, self.out, self.packed = events, out, packed
        self.n = 0
        self.first = 0.0
        self.first_n = 0

    def count(self, values: list[bytes]) -> None:
        """Decode and count a batch of message values (lines of packed messages, each an event)."""
        if not self.first:
            self.first, self.first_n = time.time(), len(values)
        for value in values:
            for line in value.split(b"\n") if self.packed else (value,):
                try:
                    orjson.loads(line)
                except orjson.JSONDecodeError:
                    pass  # an invalid event costs the same to look at; it is counted too
                self.n += 1
        if self.n >= self.events:
            self.out.write_bytes(orjson.dumps({"first": self.first, "first_n": self.first_n, "done": time.time(),
                                               "events": self.n, "peak_rss_mb": _peak_rss_mb()}))
            _stop()


def faust_count(bootstrap: str, prefix: str, events: int, out: Path, packed: bool, batch_drain: bool = False,
                group: str = "") -> None:
    """Decode-and-count on the posts and comments topics: a Faust agent, or the worker's batch drain.

    ``group`` names the consumer group (the app id); by default one per prefix and mode. A second
    measurement of the same topic needs its own group: it reads from the start again.
    """
    import faust

    from pipeline.config import Settings
    from pipeline.logs import configure_logging
    from pipeline.worker.event_loop import use_event_loop
    from pipeline.worker.faust_tuning import set_fetch_max_wait
    from pipeline.worker.gc_tuning import quiet_gc

    configure_logging("WARNING")
    settings = Settings()
    use_event_loop(settings.worker.event_loop)  # the same runtime as the real worker
    set_fetch_max_wait(settings.kafka.fetch_max_wait_ms)  # the same consumer tuning as the real worker
    app = faust.App(group or f"{prefix}{'batch-' if batch_drain else ''}count", broker=f"kafka://{bootstrap}",
                    store="memory://", web_enabled=False,
                    broker_rebalance_timeout=4.0, broker_session_timeout=10.0, broker_heartbeat_interval=1.0,
                    consumer_auto_offset_reset="earliest", autodiscover=False,
                    consumer_max_fetch_size=8 * 2**20, datadir=str(out.parent / "faust"))
    topic = app.topic(f"{prefix}posts", f"{prefix}comments", key_serializer="raw", value_serializer="raw")
    counter = _Counter(events, out, packed)

    async def tune() -> None:
        quiet_gc()  # the worker's own collector settings: the ceiling is not lowered by the GC

    app.task(tune)
    if batch_drain:
        _count_batches(app, topic, counter, settings)
    else:

        async def count_events(stream: faust.StreamT[bytes]) -> None:
            async for value in stream:
                counter.count([value])

        app.agent(topic)(count_events)
    worker = faust.Worker(app, loglevel="WARNING", quiet=True, override_logging=False, redirect_stdouts=False)
    try:
        worker.execute_from_commandline()
    except SystemExit:
        pass


def _count_batches(app: Any, topic: Any, counter: _Counter, settings: Any) -> None:
    """Feed the counter from the worker's transport (:mod:`pipeline.worker.batch_drain`), holds and releases."""
    from pipeline.worker.batch_drain import batch_consumer, drain_in_batches

    async def take(messages: list[Any]) -> None:
        consumer = batch_consumer(app)
        consumer.hold(messages)
        counter.count([m.value for m in messages])
        consumer.release(messages)

    drain_in_batches(app, topic, take, max_events=settings.worker.batch_size,
                     max_seconds=settings.worker.batch_seconds)


def full(events: int, out: Path, server_pid: int | None = None) -> None:
    """The real worker with a timing listener; settings come from SOCIALLISTEN_* variables.

    ``server_pid``: the ClickHouse server process, whose CPU is counted with the worker's.
    """
    from pipeline.assemble import assemble
    from pipeline.bench.cpu import CpuSample, cpu_split
    from pipeline.records import BatchResult
    from pipeline.runtime import load_settings, storage
    from pipeline.worker.allocator import limit_arenas

    settings = load_settings()
    assert settings.kafka.kafka_url, "the benchmark child needs SOCIALLISTEN_KAFKA_URL"
    limit_arenas(settings.worker.malloc_arenas)  # as `sociallisten worker` does, before chDB starts its threads
    stats: dict[str, Any] = {"n": 0, "first": 0.0, "lat": []}

    async def timing(result: BatchResult) -> None:
        now = time.time()  # after the insert returned: these rows are queryable now
        if not stats["first"]:
            stats["first"] = now
            stats["first_n"] = len(result.enriched) + len(result.dead_letters)
            stats["cpu_first"] = CpuSample.take(server_pid)
            ready_marker(out).touch()  # the worker is up and has stored its first batch
        if len(stats["lat"]) < MAX_LATENCIES:  # bounded: the memory stage runs a million events
            stamps = (item.record.timestamp for item in result.enriched)
            stats["lat"].extend(round(now - ts, 4) for ts in stamps if ts)
        stats["n"] += len(result.enriched) + len(result.dead_letters)
        if stats["n"] >= events:
            split = cpu_split(stats["cpu_first"], CpuSample.take(server_pid))
            out.write_bytes(orjson.dumps({
                "first": stats["first"], "first_n": stats["first_n"], "done": now, "events": stats["n"],
                "peak_rss_mb": _peak_rss_mb(), "peak_rss_mb_children": children_peak_rss_mb(),
                "cpu_seconds": sum(split.values()), "cpu_seconds_by_process": split,
                "latencies": stats["lat"], "timestamps_are": "producer CreateTime",
            }))
            _stop()

    with storage(settings) as ch:
        assemble(settings, settings.kafka.kafka_url, ch, listeners=[timing]).run()


def logged(out: Path, start_file: Path | None = None) -> None:
    """The real worker, appending ``{"t": stored at, "parts": ["topic[p]", ...], "n": events}`` per batch to ``out``.

    With ``start_file`` it imports everything and loads its analysis processes, creates
    ``<out>.armed`` and joins the group only once ``start_file`` exists: a spare that a test starts
    "at once", without the seconds a loaded machine takes to start a Python process and its analyser.
    """
    from pipeline.assemble import assemble
    from pipeline.records import BatchResult
    from pipeline.runtime import load_settings, storage

    settings = load_settings()
    assert settings.kafka.kafka_url, "the benchmark child needs SOCIALLISTEN_KAFKA_URL"
    with open(out, "ab", buffering=0) as lines:

        async def log_batch(result: BatchResult) -> None:
            parts = {f"{item.record.topic}[{item.record.partition}]" for item in result.enriched}
            parts.update(f"{dl.source_topic}[{dl.partition}]" for dl in result.dead_letters)
            n = len(result.enriched) + len(result.dead_letters)
            lines.write(orjson.dumps({"t": time.time(), "parts": sorted(parts), "n": n}) + b"\n")

        with storage(settings, run_migrations=False) as ch:
            application = assemble(settings, settings.kafka.kafka_url, ch, listeners=[log_batch])
            if start_file is not None:  # a spare: ready to analyse, not yet in the group
                application.worker.pool.start()
                out.with_name(out.name + ".armed").touch()
                while not start_file.exists():
                    time.sleep(0.02)
            code = application.run()
    raise SystemExit(code)


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["faust-count", "faust-batch-count", "full", "logged"])
    parser.add_argument("--bootstrap", default="")
    parser.add_argument("--prefix", default="bench.")
    parser.add_argument("--events", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--packed", action="store_true")
    parser.add_argument("--group", default="", help="consumer group of a decode-and-count child")
    parser.add_argument("--start-file", type=Path, default=None, help="logged: start once this file exists")
    parser.add_argument("--server-pid", type=int, default=None, help="full: the ClickHouse server's pid (its CPU)")
    args = parser.parse_args()
    if args.mode in ("faust-count", "faust-batch-count"):
        faust_count(args.bootstrap, args.prefix, args.events, args.out, args.packed, args.mode == "faust-batch-count",
                    args.group)
    elif args.mode == "logged":
        logged(args.out, args.start_file)
    else:
        full(args.events, args.out, args.server_pid)


if __name__ == "__main__":
    main()
