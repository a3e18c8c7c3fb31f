"""A worker's processes end with it: after kill -9, after SIGTERM, through crash and restart loops.

The worker runs as users run it (``sociallisten worker`` in its own session, as ``setsid`` would
start it) with two analysis processes; only the worker's own pid is signalled. Every process of
its tree (the analysis processes, multiprocessing's resource tracker) must be gone within
:data:`~tests.fixtures.kafka.LEFTOVER_SECONDS`.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import psutil
import pytest
from kafka import KafkaConsumer, TopicPartition

from pipeline.config import KafkaSettings, Settings
from pipeline.kafka.topics import Topics
from pipeline.sample import generate_events
from pipeline.storage import connect
from pipeline.storage.stats import stats
from tests.fixtures.guarded_parent import GuardedParent
from tests.fixtures.kafka import LEFTOVER_SECONDS, WorkerEnv, WorkerProcess
from tests.integration.expect import Expectation, complete, wait_until
from tests.integration.worker.test_faults import Producing, produce

pytestmark = pytest.mark.integration

ANALYSIS = {"SOCIALLISTEN_ANALYSIS_PROCESSES": "2"}
CYCLES = 20
WARM_EVERY = 10
"""Every tenth cycle kills the parent once its analysis processes are up; the others at once."""


def _analysers(worker: WorkerProcess) -> list[psutil.Process]:
    """The worker's analysis processes seen so far (with the ones running now)."""
    worker.tree.refresh()
    return [proc for proc in worker.tree.seen.values() if "multiprocessing.spawn" in " ".join(proc.cmdline())]


def _busy_worker(worker_env: WorkerEnv, start_worker, events: int, seed: int) -> WorkerProcess:  # type: ignore[no-untyped-def]
    """A worker with two analysis processes that has stored a stream of ``events``."""
    lines = list(generate_events(events, seed=seed, invalid_rate=0.0))
    produce(worker_env, lines)
    worker = start_worker(**ANALYSIS)
    ch = connect(worker_env.clickhouse_url)
    try:
        wait_until(complete(ch, Expectation.from_lines(lines)), 180, "the worker to store the stream",
                   diagnose=worker.state)
    finally:
        ch.close()
    assert len(_analysers(worker)) == 2, f"two analysis processes expected: {worker.tree.describe(worker.tree.alive())}"
    return worker


def _committed(worker_env: WorkerEnv) -> dict[str, int]:
    """The worker's group's committed offset of every input partition (0 when none).

    Offsets of a partition run from 0 without gaps: the committed offsets add up to the number
    of messages only if every partition is committed to its end. (Tansu's answer to kafka-python's
    end-offset request is no help here.)
    """
    topics = Topics.from_settings(Settings(kafka=KafkaSettings(topic_prefix=worker_env.prefix, partitions=4)))
    consumer = KafkaConsumer(bootstrap_servers=worker_env.kafka_url, group_id=f"{worker_env.prefix}app",
                             enable_auto_commit=False)
    try:
        tps = [TopicPartition(topic, p) for topic in topics.inputs for p in range(4)]
        return {f"{tp.topic}[{tp.partition}]": consumer.committed(tp) or 0 for tp in tps}
    finally:
        consumer.close()


def test_kill_9_of_the_worker_leaves_none_of_its_processes(worker_env, start_worker) -> None:  # type: ignore[no-untyped-def]
    worker = _busy_worker(worker_env, start_worker, 300, seed=31)
    worker.signal(signal.SIGKILL)
    worker.proc.wait(timeout=30)
    left = worker.tree.wait_gone(LEFTOVER_SECONDS)
    assert not left, f"alive {LEFTOVER_SECONDS:.0f} s after kill -9 of the worker: {worker.tree.describe(left)}"


def test_sigterm_stops_the_worker_with_its_processes_and_commits_every_offset(  # type: ignore[no-untyped-def]
    worker_env, start_worker
) -> None:
    worker = _busy_worker(worker_env, start_worker, 300, seed=32)
    worker.signal(signal.SIGTERM)
    worker.proc.wait(timeout=60)
    assert worker.proc.returncode == 0, worker.logs()[-3000:]
    left = worker.tree.wait_gone(LEFTOVER_SECONDS)
    assert not left, f"alive {LEFTOVER_SECONDS:.0f} s after the worker stopped: {worker.tree.describe(left)}"
    committed = _committed(worker_env)
    assert sum(committed.values()) == 300, f"every partition committed to its end: {committed}"


def _cpu(analysers: list[psutil.Process]) -> float:
    """CPU seconds the analysis processes used so far."""
    return sum(sum(proc.cpu_times()[:2]) for proc in analysers)


def _analysing(analysers: list[psutil.Process]) -> bool:
    """Whether an analysis process is at work now: its CPU time grows over the next 50 ms."""
    before = [sum(proc.cpu_times()[:2]) for proc in analysers]
    time.sleep(0.05)
    return any(sum(proc.cpu_times()[:2]) - cpu >= 0.01 for proc, cpu in zip(analysers, before, strict=True))


def _idle(analysers: list[psutil.Process]) -> bool:
    """Whether the analysis processes stay idle for half a second (done loading; housekeeping is brief)."""
    before = _cpu(analysers)
    time.sleep(0.5)
    return _cpu(analysers) - before < 0.05


@pytest.mark.cpu_heavy
def test_sigterm_to_the_whole_group_mid_batch_finishes_the_batches_in_hand(  # type: ignore[no-untyped-def]
    worker_env, start_worker
) -> None:
    """As systemd stops a unit: the worker and its analysis processes get SIGTERM together, mid-batch.

    The analysis processes finish their batches for the stopping worker (none dies, none is
    replaced), which stores and commits every batch it took and nothing more: what it stored is
    exactly what it committed.
    """
    # large batches (4,000 events or 2 s), so an analysis takes long enough to be caught at work
    worker = start_worker(**ANALYSIS, SOCIALLISTEN_BATCH_SECONDS="2", SOCIALLISTEN_BATCH_MIN_SECONDS="2")
    wait_until(lambda: "Worker ready" in worker.logs() and "text analysis ready" in worker.logs(), 120,
               "the worker to join and its analysis processes to load the analyser")
    analysers = _analysers(worker)
    assert len(analysers) == 2, worker.tree.describe(worker.tree.alive())
    started = set(worker.tree.seen)  # the analysis processes and multiprocessing's resource tracker
    # "at work" must mean analysing a batch: not the end of loading the analyser, nor housekeeping
    wait_until(lambda: _idle(analysers), 60, "the analysis processes to be idle once loaded", interval=0)
    idle_cpu = _cpu(analysers)
    producer = Producing(worker_env, list(generate_events(12000, seed=33, invalid_rate=0.0)), 2500.0)
    producer.start()
    produced_from = time.monotonic()
    ch = connect(worker_env.clickhouse_url)
    try:
        # a batch is handed over 2 s after its first event at the latest: before that, analysis CPU is not a
        # batch's (under a loaded machine it was caught early and the worker stopped with none taken)
        wait_until(lambda: time.monotonic() - produced_from >= 2.5 and _cpu(analysers) - idle_cpu >= 0.2
                   and _analysing(analysers), 60, "an analysis process to be at work on a batch", interval=0)
        os.killpg(worker.proc.pid, signal.SIGTERM)
        wait_until(lambda: worker.tree.refresh() == 0 and not worker.alive(), 60, "the worker to stop", interval=0.1)
        totals = stats(ch)
        stored = totals["mentions"] + totals["dead_lettered"]  # every event once (distinct ids, one run)
    finally:
        ch.close()
        producer.finish(timeout=60)
    assert worker.proc.returncode == 0, worker.logs()[-3000:]
    assert "analysis process died" not in worker.logs(), worker.logs()[-3000:]
    assert set(worker.tree.seen) == started, "no analysis process was replaced"
    left = worker.tree.wait_gone(LEFTOVER_SECONDS)
    assert not left, f"alive {LEFTOVER_SECONDS:.0f} s after the worker stopped: {worker.tree.describe(left)}"
    assert stored > 0
    assert sum(_committed(worker_env).values()) == stored, "stored and committed the same batches"


@pytest.fixture
def parents() -> Iterator[list[GuardedParent]]:
    """Parents started by a test; killed with their trees afterwards (after a failure)."""
    started: list[GuardedParent] = []
    yield started
    for parent in started:
        parent.cleanup()


def _running_descendants() -> set[tuple[int, float]]:
    """(pid, start time) of this process's running descendants: zombies are not counted.

    An earlier test's unreaped child is a zombie here until the next ``subprocess.Popen`` reaps it,
    so a count that includes zombies can drop during this test for reasons that are not its own.
    """
    out = set()
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                out.add((proc.pid, proc.create_time()))
        except psutil.Error:
            continue
    return out


def _new_processes(parents: list[GuardedParent], before: set[tuple[int, float]]) -> list[int]:
    """This test's processes still running: new descendants, and the members of the parents' sessions (orphans)."""
    new = {pid for pid, _ in _running_descendants() - before}
    return sorted(new | {pid for p in parents for pid in p.tree.alive()})


def test_crash_and_restart_loop_ends_with_as_many_processes_as_it_started_with(
    parents: list[GuardedParent],
) -> None:
    """What a supervisor does to a crashing worker: kill -9 its pid, start a new one at once, 20 times."""
    before = _running_descendants()
    for cycle in range(CYCLES):
        parent = GuardedParent("pool-warm" if cycle % WARM_EVERY == WARM_EVERY - 1 else "pool")
        parents.append(parent)
        parent.wait_ready(1)
        assert len(parent.tree.seen) >= 2, f"cycle {cycle}: the pool's processes should run"
        parent.kill9()
    wait_until(lambda: not _new_processes(parents, before), LEFTOVER_SECONDS,
               "every process of the loop to end", interval=0.1,
               diagnose=lambda: f"left: {parents[0].tree.describe(_new_processes(parents, before))}")
    left = [pid for parent in parents for pid in parent.tree.alive()]
    assert not left, f"left behind: {parents[0].tree.describe(left)}"
