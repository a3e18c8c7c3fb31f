"""Orchestrates one benchmark run on the embedded broker; every figure comes from this run."""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psutil

from pipeline.bench.workdir import work_directory
from pipeline.config import KafkaSettings, Settings
from pipeline.kafka.producer import make_producer, replay
from pipeline.kafka.topics import Topics, ensure_topics
from pipeline.local.broker import EmbeddedBroker
from pipeline.local.process_tree import ProcessTree

log = logging.getLogger(__name__)
Step = Callable[[str], None]
LEFTOVER_SECONDS = 5.0
"""How long the processes a benchmark child started may take to end after it did."""


def _produce(bootstrap: str, prefix: str, lines: Iterable[bytes], *, pack: int = 1, rate: float | None = None) -> float:
    settings = Settings(kafka=KafkaSettings(topic_prefix=prefix, partitions=4))
    ensure_topics(bootstrap, settings)
    producer = make_producer(bootstrap)
    try:
        return replay(lines, producer, Topics.from_settings(settings), pack=pack, rate=rate).rate
    finally:
        producer.close()


def _child(mode: str, bootstrap: str, prefix: str, events: int, workdir: Path, clickhouse_url: str,
           packed: bool = False, pack: int = 1, group: str = "",
           server_pid: int | None = None) -> tuple[subprocess.Popen[bytes], Path]:
    out = workdir / f"{group or prefix + mode}.json"  # a named consumer group names its files
    defaults = Settings()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLISTEN_")}
    env.update({
        "SOCIALLISTEN_KAFKA_URL": bootstrap, "SOCIALLISTEN_TOPIC_PREFIX": prefix,
        "SOCIALLISTEN_APP_ID": f"{prefix}app", "SOCIALLISTEN_REBALANCE_TIMEOUT": "4",
        "SOCIALLISTEN_CLICKHOUSE_URL": clickhouse_url, "SOCIALLISTEN_DATA_DIR": str(workdir / prefix),
        "SOCIALLISTEN_LOG_LEVEL": "WARNING",
        "SOCIALLISTEN_DESK_ENABLED": "false",  # the pipeline's own cost: the case agent is not in the figures
        # nor the BI refresh of the audience snapshot (timed by `bench --queries`: audience_refresh_seconds)
        "SOCIALLISTEN_AUDIENCE_REFRESH_SECONDS": "0",
        # a batch holds about as many events whether they come one or `pack` per message
        "SOCIALLISTEN_BATCH_SIZE": str(max(1, defaults.worker.batch_size // pack)),
        "SOCIALLISTEN_PIPELINE_DEPTH": str(defaults.worker.pipeline_depth),
        "SOCIALLISTEN_EVENT_LOOP": defaults.worker.event_loop,  # runtime choices passed on, to compare them
        "SOCIALLISTEN_EVENTS_ENABLED": str(defaults.monitor.events_enabled).lower(),
        # the allocator settings passed on too, to compare them (docs/benchmark.md, Memory stage)
        "SOCIALLISTEN_MALLOC_ARENAS": str(defaults.worker.malloc_arenas),
        "SOCIALLISTEN_MALLOC_TRIM_SECONDS": str(defaults.worker.malloc_trim_seconds),
        "SOCIALLISTEN_CHDB_MEMORY_MB": str(defaults.storage.chdb_memory_mb),
    })
    cmd = [sys.executable, "-m", "pipeline.bench.child", mode, "--bootstrap", bootstrap, "--prefix", prefix,
           "--events", str(events), "--out", str(out)] + (["--packed"] if packed else [])
    cmd += ["--group", group] if group else []
    cmd += ["--server-pid", str(server_pid)] if server_pid else []
    logf = open(out.with_suffix(".log"), "wb")  # noqa: SIM115 - one log per child (a second Faust run has its own)
    return subprocess.Popen(cmd, env=env, stdout=logf, stderr=subprocess.STDOUT), out


def _wait(proc: subprocess.Popen[bytes], out: Path, timeout: float) -> dict[str, Any]:
    tree = ProcessTree(proc.pid)  # what it starts (its analysis processes) must end with it
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        tree.refresh()
        if time.monotonic() > deadline:
            proc.kill()  # its pid only, as a crash would: its processes must go with it all the same
            _no_leftovers(tree, out)
            raise RuntimeError(f"benchmark child did not finish within {timeout:.0f} s (log beside {out})")
        time.sleep(1.0)
    _no_leftovers(tree, out)
    if not out.exists():
        raise RuntimeError(f"benchmark child exited {proc.returncode} without a result (log beside {out})")
    return dict(orjson.loads(out.read_bytes()))


def _no_leftovers(tree: ProcessTree, out: Path) -> None:
    """Raise (after killing them) when processes the child started outlive it by LEFTOVER_SECONDS."""
    left = tree.wait_gone(LEFTOVER_SECONDS)
    if left:
        described = tree.describe(left)
        for pid in left:
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()
        raise RuntimeError(f"processes outlived the benchmark child by {LEFTOVER_SECONDS:.0f} s: {described} "
                           f"(log beside {out})")


def _wait_ready(proc: subprocess.Popen[bytes], out: Path, timeout: float) -> None:
    from pipeline.bench.child import ready_marker

    deadline = time.monotonic() + timeout
    while not ready_marker(out).exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the benchmark worker did not store its first event within {timeout:.0f} s; "
                               f"see {out.with_suffix('.log')}")
        time.sleep(0.1)


def _rate(result: dict[str, Any]) -> float:
    # from the end of the first batch to the last event: start-up and group join are excluded
    counted = float(result["events"]) - float(result.get("first_n", 0))
    return counted / max(float(result["done"]) - float(result["first"]), 1e-9)


def cpu_figures(result: dict[str, Any], suffix: str = "") -> dict[str, Any]:
    """CPU ms per 1,000 events of the worker, its analysis processes and ClickHouse, and their sum.

    Over the same span as :func:`_rate` (pipeline.bench.cpu): less moved by other load on the
    machine than the rate.
    """
    from pipeline.bench.cpu import ms_per_1k

    counted = float(result["events"]) - float(result.get("first_n", 0))
    split = ms_per_1k(result["cpu_seconds_by_process"], counted)
    total = ms_per_1k({"all": sum(result["cpu_seconds_by_process"].values())}, counted)["all"]
    return {f"cpu_ms_per_1k_events{suffix}": total, f"cpu_ms_per_1k_events{suffix}_by_process": split}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def faust_bracket(before: float, after: float) -> dict[str, Any]:
    """Faust's decode-and-count ceiling measured before and after the full stage, and their mean.

    The machine's speed drifts within a run; the mean of two measurements that bracket the full
    stage in time estimates the ceiling while the full stage ran, and the two figures show the drift.
    """
    return {"events_per_s_faust": round((before + after) / 2), "events_per_s_faust_before": round(before),
            "events_per_s_faust_after": round(after)}


def memory_stage(bootstrap: str, workdir: Path, clickhouse_url: str, *, events: int, pack: int, seed: int,
                 step: Step, server_pid: int | None = None) -> dict[str, Any]:
    """Peak RSS of the full worker after ``events`` events (streamed, never held in memory here).

    Messages carry ``pack`` events each so that a million events take minutes; the worker holds
    the same per-event state either way (the batch size is scaled to the same events per batch).
    """
    from pipeline.sample import generate_events

    step(f"memory: producing {events:,} events ({pack} per message)")
    _produce(bootstrap, "m.", generate_events(events, seed=seed + 2, invalid_rate=0.01), pack=pack)
    step(f"memory: the full worker over {events:,} events")
    proc, out = _child("full", bootstrap, "m.", events, workdir, clickhouse_url, pack=pack, server_pid=server_pid)
    result = _wait(proc, out, 4 * 3600)
    return {"rss_events": events, "peak_rss_mb_at_rss_events": round(result["peak_rss_mb"], 1),
            "peak_rss_mb_analysis_at_rss_events": [round(mb, 1) for mb in result.get("peak_rss_mb_children", [])],
            "events_per_s_full_rss_run": round(_rate(result))} | cpu_figures(result, "_rss_run")


LOCAL = "local"
"""``--clickhouse local``: start the machine's clickhouse-server for the run (in the work directory)."""
CHDB = "chdb"
"""``--clickhouse chdb``: chDB inside the worker process (the default, named)."""


def backend_name(spec: str | None) -> str:
    """What a ``--clickhouse`` value stands for, as reported in the results."""
    if not spec:
        return "chdb (in the worker process)"
    return "clickhouse-server (local, started for the run)" if spec == LOCAL else "clickhouse-server"


@dataclass(frozen=True)
class StageUrls:
    """Called with a stage's name: the URL of its own database; ``server_pid``: a server started for the run."""

    url: Callable[[str], str]
    server_pid: int | None = None

    def __call__(self, name: str) -> str:
        """The URL of stage ``name``'s database."""
        return self.url(name)


@contextmanager
def clickhouse_urls(spec: str | None, workdir: Path, step: Step) -> Iterator[StageUrls]:
    """A function giving each stage its own database on the chosen backend.

    ``None``: a chDB directory per stage; ``local``: databases on a clickhouse-server started here
    and stopped afterwards (its pid given, for its CPU); otherwise a ``clickhouse://`` URL prefix
    (``<prefix>_<stage>``; a remote server's CPU is not counted).
    """
    if spec == LOCAL:
        from pipeline.local.clickhouse_server import ClickHouseServer

        step("starting a local clickhouse-server for the run")
        server = ClickHouseServer.launch(lambda: Path(tempfile.mkdtemp(prefix="clickhouse-", dir=workdir)))
        try:
            yield StageUrls(lambda name: server.url(f"bench_{name}"), server.proc.pid if server.proc else None)
        finally:
            server.stop()
            server.kill()
    elif spec:
        yield StageUrls(lambda name: f"{spec.rstrip('/')}_{name}")
    else:
        yield StageUrls(lambda name: f"chdb://{workdir / name}")


@dataclass(frozen=True)
class Stream:
    """The throughput stages' common inputs: the broker, the events, a database per stage."""

    bootstrap: str
    workdir: Path
    lines: list[bytes]
    ch_url: StageUrls
    step: Step

    @property
    def events(self) -> int:
        """Events in the stream."""
        return len(self.lines)


def transport_stages(stream: Stream) -> dict[str, Any]:
    """Produce the stream once; the ceiling, Faust (bracketing the full stage), the batch drain and the full worker."""
    from pipeline.bench.stages import ceiling

    bootstrap, workdir, events, step = stream.bootstrap, stream.workdir, stream.events, stream.step
    results: dict[str, Any] = {}
    step("producing the stream (one event per message)")
    results["produce_events_per_s"] = round(_produce(bootstrap, "a.", stream.lines))
    step("ceiling: raw aiokafka consume-and-discard")
    results["events_per_s_ceiling"] = round(ceiling(bootstrap, ["a.posts", "a.comments"], events))
    step("Faust decode-and-count (before the full pipeline)")
    proc, out = _child("faust-count", bootstrap, "a.", events, workdir, "")
    faust_before = _rate(_wait(proc, out, 1800))
    step("Faust consumer with the worker's batch drain, decode-and-count")
    proc, out = _child("faust-batch-count", bootstrap, "a.", events, workdir, "")
    results["events_per_s_faust_batch_drain"] = round(_rate(_wait(proc, out, 1800)))
    step("full pipeline (worker -> ClickHouse)")
    proc, out = _child("full", bootstrap, "a.", events, workdir, stream.ch_url("full"),
                       server_pid=stream.ch_url.server_pid)
    full = _wait(proc, out, 3600)
    results["events_per_s_full"] = round(_rate(full))
    results.update(cpu_figures(full))
    results["peak_rss_mb"] = round(full["peak_rss_mb"], 1)
    step("Faust decode-and-count again (after the full pipeline)")
    proc, out = _child("faust-count", bootstrap, "a.", events, workdir, "", group="a.count-after")
    results.update(faust_bracket(faust_before, _rate(_wait(proc, out, 1800))))
    return results


def packed_stages(stream: Stream, pack: int) -> dict[str, Any]:
    """Faust's ceiling and the full worker with ``pack`` events per message."""
    stream.step(f"packed messages ({pack} events per message)")
    _produce(stream.bootstrap, "b.", stream.lines, pack=pack)
    proc, out = _child("faust-count", stream.bootstrap, "b.", stream.events, stream.workdir, "", packed=True)
    faust_packed = round(_rate(_wait(proc, out, 1800)))
    proc, out = _child("full", stream.bootstrap, "b.", stream.events, stream.workdir, stream.ch_url("packed"),
                       pack=pack, server_pid=stream.ch_url.server_pid)
    packed = _wait(proc, out, 3600)
    return {"events_per_s_faust_packed": faust_packed, "events_per_s_full_packed": round(_rate(packed)),
            "cpu_ms_per_1k_events_packed": cpu_figures(packed)["cpu_ms_per_1k_events"],
            "peak_rss_mb_packed": round(packed["peak_rss_mb"], 1)}


def in_process_stages(stream: Stream, settings: Settings, naive_events: int) -> dict[str, Any]:
    """The text pipeline alone (classify only) and the naive baseline."""
    from pipeline.bench.stages import classify_only, naive
    from pipeline.storage import connect
    from pipeline.storage.migrate import migrate
    from pipeline.text import get_analyzer

    stream.step("classify only (pure text pipeline, in-process)")
    analyzer = get_analyzer(settings.resolved_lexicon)
    results: dict[str, Any] = {"events_per_s_classify": round(classify_only(stream.lines, analyzer, settings))}
    stream.step(f"naive baseline on {naive_events:,} events")
    naive_ch = connect(stream.ch_url("naive"))
    try:
        migrate(naive_ch)
        brands = [b.name for b in analyzer.lexicon.brands]
        results["events_per_s_naive"] = round(naive(stream.lines[:naive_events], naive_ch, brands), 1)
    finally:
        naive_ch.close()
    return results


def latency_stage(stream: Stream, full_rate: float, seconds: float, seed: int) -> dict[str, Any]:
    """Produce-to-queryable latency at half the measured capacity, against a worker in steady state."""
    from pipeline.sample import generate_events

    rate = max(50.0, 0.5 * full_rate)
    n_latency = int(rate * seconds)
    stream.step(f"latency at {rate:.0f} events/s for {seconds:.0f} s (half the measured capacity)")
    latency_lines = list(generate_events(n_latency, seed=seed + 1))
    proc, out = _child("full", stream.bootstrap, "c.", n_latency, stream.workdir, stream.ch_url("latency"))
    _produce(stream.bootstrap, "c.", latency_lines[:1])  # creates topics; warm-up event
    _wait_ready(proc, out, timeout=180)  # steady state: the worker joined and stored the warm-up event
    _produce(stream.bootstrap, "c.", latency_lines[1:], rate=rate)
    lat = _wait(proc, out, 600)["latencies"][1:]
    return {
        "latency_rate_events_per_s": round(rate),
        "latency_p50_s": round(_pct(lat, 0.50), 3), "latency_p95_s": round(_pct(lat, 0.95), 3),
        "latency_p99_s": round(_pct(lat, 0.99), 3), "latency_mean_s": round(statistics.fmean(lat), 3),
    }


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    """The full pipeline against its ceilings and the naive baseline."""
    f, c, n = results["events_per_s_full"], results["events_per_s_ceiling"], results["events_per_s_naive"]
    faust, drained = results["events_per_s_faust"], results["events_per_s_faust_batch_drain"]
    out = {
        "full_over_ceiling": round(f / c, 3) if c else None,
        "full_over_faust": round(f / faust, 3) if faust else None,
        "full_over_naive": round(f / n, 1) if n else None,
        "full_over_faust_batch_drain": round(f / drained, 3) if drained else None,
    }
    if "events_per_s_full_packed" in results:
        out["full_packed_over_faust"] = round(results["events_per_s_full_packed"] / faust, 3) if faust else None
    return out


def run_bench(*, events: int, naive_events: int, pack: int, latency_seconds: float, clickhouse: str | None,
              seed: int, step: Step, rss_events: int = 0, rss_only: bool = False,
              rss_clickhouse: str | None = None, keep_workdir: bool = False) -> dict[str, Any]:
    """Run every stage and return the figures.

    The work directory (broker and worker logs, the run's chDB or clickhouse-server data: gigabytes
    after a million events) is removed after a successful run unless ``keep_workdir``; after a
    failure it stays, and the error names it.
    """
    workdir = Path(tempfile.mkdtemp(prefix="sociallisten-bench-"))
    with work_directory(workdir, keep=keep_workdir) as kept:
        results = _run_stages(workdir, events=events, naive_events=naive_events, pack=pack,
                              latency_seconds=latency_seconds, clickhouse=clickhouse, seed=seed, step=step,
                              rss_events=rss_events, rss_only=rss_only, rss_clickhouse=rss_clickhouse)
    return results | {"workdir_kept": kept()}


def _run_stages(workdir: Path, *, events: int, naive_events: int, pack: int, latency_seconds: float,
                clickhouse: str | None, seed: int, step: Step, rss_events: int, rss_only: bool,
                rss_clickhouse: str | None) -> dict[str, Any]:
    from pipeline.sample import generate_events

    settings = Settings()
    results: dict[str, Any] = {"events": events, "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                               f"Python {platform.python_version()}", "workdir": str(workdir),
                               "backend": backend_name(clickhouse),
                               "event_loop": settings.worker.event_loop}  # both Faust children use it
    clickhouse = None if clickhouse == CHDB else clickhouse
    rss_spec = rss_clickhouse if rss_clickhouse is not None else clickhouse
    rss_spec = None if rss_spec == CHDB else rss_spec
    if rss_events:
        results["rss_backend"] = backend_name(rss_spec)

    def memory(log_name: str) -> dict[str, Any]:
        with EmbeddedBroker(log_path=workdir / log_name) as broker, clickhouse_urls(rss_spec, workdir, step) as url:
            return memory_stage(broker.bootstrap, workdir, url("memory"), events=rss_events, pack=max(pack, 1),
                                seed=seed, step=step, server_pid=url.server_pid)

    if rss_only:
        del results["events"], results["backend"]  # no throughput stream in this run
        return results | memory("tansu.log")
    step(f"generating {events:,} events from the bundled real texts")
    lines = list(generate_events(events, seed=seed, invalid_rate=0.01))
    results["bytes_per_event"] = round(sum(map(len, lines)) / len(lines))
    with EmbeddedBroker(log_path=workdir / "tansu.log") as broker, clickhouse_urls(clickhouse, workdir, step) as ch_url:
        stream = Stream(broker.bootstrap, workdir, lines, ch_url, step)
        results.update(transport_stages(stream))
        if pack > 1:
            results.update(packed_stages(stream, pack))
        results.update(in_process_stages(stream, settings, naive_events))
        results.update(latency_stage(stream, results["events_per_s_full"], latency_seconds, seed))
    if rss_events:
        results.update(memory("tansu-memory.log"))
    return results | ratios(results)
