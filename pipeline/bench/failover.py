"""``sociallisten bench --failover``: how long a crashed or restarted worker leaves partitions unserved.

Three scenarios, each on its own topics, consumer group and database, with a paced replay running
throughout and the workers as separate processes (the real worker, :mod:`pipeline.bench.child`
``logged``, which writes when each batch was stored and from which partitions):

- ``kill_restart``: one worker, ``kill -9``, a new one started at once;
- ``kill_peer``: two workers, one ``kill -9``ed, the other takes over;
- ``rolling``: two workers, one stopped with ``SIGTERM`` and started again once it has exited.

The figure of a scenario is the longest silence of any input partition from the fault on: the
time from the fault (or from a partition's previous stored batch) to its next stored batch, until
the scenario ends a few seconds after every partition, and every worker then running (a restarted
one included, whose joining moves partitions again), stored a batch after the fault. The replay keeps every
partition busy, so a partition without an owner shows as silence. Afterwards every sent event must
be in ClickHouse exactly once in queries (``lost`` and ``doubled`` count the differences).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pipeline.config import KafkaSettings, Settings
from pipeline.kafka.producer import make_producer, replay
from pipeline.kafka.topics import Topics, ensure_topics
from pipeline.local.process_tree import ProcessTree

Step = Callable[[str], None]
PARTITIONS = 4
"""Partitions per input topic: 8 input partitions, shared by one or two workers."""
TAIL_SECONDS = 5.0
"""A scenario goes on this long after every partition stored a batch after the fault."""
START_SECONDS = 180.0
"""Longest a worker may take to store its first batch."""


RESTART_SLACK_SECONDS = 5.0
"""Beyond the group protocol's own waits: rejoining, Faust's assignment, the first batch, a loaded machine."""
STOP_SECONDS = 1.0
"""A worker stopped with SIGTERM finishes the batches it holds and commits before it leaves the group."""


def expected_recovery_seconds(session_timeout: float, heartbeat_interval: float, *, crash: bool) -> float:
    """The longest a partition should go without a stored batch after a fault (docs/failover.md).

    A crash waits for the broker to drop the dead worker (the session timeout), a clean stop for
    the worker to finish its batches and leave; then the others learn of the rebalance at their next
    heartbeat and rejoin, which Tansu holds for half the session timeout (Kafka: until every member
    rejoined). With the defaults (6 s, 1 s): 15 s after a crash, 10 s after a clean stop.
    """
    first = session_timeout if crash else STOP_SECONDS
    return first + session_timeout / 2 + heartbeat_interval + RESTART_SLACK_SECONDS


@dataclass(frozen=True)
class Plan:
    """What every scenario shares: broker, database URLs, work directory, pace and limits."""

    bootstrap: str
    ch_url: Callable[[str], str]
    workdir: Path
    rate: float = 200.0
    steady_seconds: float = 4.0
    max_recovery_seconds: float = 240.0
    env: dict[str, str] = field(default_factory=dict)
    """Extra SOCIALLISTEN_* settings for the workers (the timeouts to measure)."""


class BenchWorker:
    """A worker child process in its own session, logging its stored batches."""

    def __init__(self, plan: Plan, prefix: str, name: str) -> None:
        self.batches = plan.workdir / f"{prefix}{name}.batches.jsonl"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLISTEN_")}
        env.update({
            "SOCIALLISTEN_KAFKA_URL": plan.bootstrap, "SOCIALLISTEN_TOPIC_PREFIX": prefix,
            "SOCIALLISTEN_APP_ID": f"{prefix}app", "SOCIALLISTEN_PARTITIONS": str(PARTITIONS),
            "SOCIALLISTEN_CLICKHOUSE_URL": plan.ch_url(prefix.rstrip(".")),
            "SOCIALLISTEN_DATA_DIR": str(plan.workdir / f"{prefix}{name}"), "SOCIALLISTEN_LOG_LEVEL": "INFO",
            "SOCIALLISTEN_GROUP_INSTANCE_ID": name.split("-")[0],  # used where the broker supports it
        })
        env.update(plan.env)
        self.log_path = self.batches.with_suffix(".log")
        with open(self.log_path, "ab") as log_file:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pipeline.bench.child", "logged", "--out", str(self.batches)],
                env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        self.tree = ProcessTree(self.proc.pid)

    def stored(self) -> list[tuple[float, list[str]]]:
        """(time, partitions) of every batch it stored so far."""
        if not self.batches.exists():
            return []
        rows = [orjson.loads(line) for line in self.batches.read_bytes().splitlines() if line.strip()]
        return [(float(r["t"]), list(r["parts"])) for r in rows]

    def kill9(self) -> None:
        """SIGKILL to its whole session, as a crash or the OOM killer would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM to the worker's pid and wait for it to exit; its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
        self.tree.wait_gone(5.0)
        return int(self.proc.returncode)


class Replay(threading.Thread):
    """A paced replay of generated events until :meth:`finish`; remembers what it sent."""

    def __init__(self, bootstrap: str, prefix: str, rate: float, seed: int, invalid_rate: float = 0.0) -> None:
        super().__init__(daemon=True)
        self.bootstrap, self.rate, self.seed, self.invalid_rate = bootstrap, rate, seed, invalid_rate
        self.sent: list[bytes] = []
        self.stopping = threading.Event()
        self.error: BaseException | None = None
        self.settings = Settings(kafka=KafkaSettings(topic_prefix=prefix, partitions=PARTITIONS))
        ensure_topics(bootstrap, self.settings)

    def _lines(self) -> Iterator[bytes]:
        from pipeline.sample import generate_events

        for line in generate_events(int(self.rate * 3600), seed=self.seed, invalid_rate=self.invalid_rate):
            if self.stopping.is_set():
                return
            self.sent.append(line)
            yield line

    def run(self) -> None:
        """Send until stopped (or an hour of events)."""
        producer = make_producer(self.bootstrap)
        try:
            replay(self._lines(), producer, Topics.from_settings(self.settings), rate=self.rate)
        except BaseException as exc:  # noqa: BLE001 - raised again by finish()
            self.error = exc
        finally:
            producer.close()

    def finish(self) -> list[bytes]:
        """Stop sending, wait until every sent event is acknowledged; the lines sent."""
        self.stopping.set()
        self.join(120)
        if self.error is not None:
            raise RuntimeError(f"the replay failed: {self.error}") from self.error
        return self.sent


def longest_silence(fault: float, stored: list[tuple[float, list[str]]], until: float) -> dict[str, float]:
    """Per partition, the longest time without a stored batch from ``fault`` to ``until``."""
    times: dict[str, list[float]] = {}
    for at, parts in stored:
        for part in parts:
            times.setdefault(part, []).append(at)
    out: dict[str, float] = {}
    for part, stamps in times.items():
        edges = [fault, *sorted(t for t in stamps if fault < t <= until), until]
        out[part] = max((b - a for a, b in zip(edges, edges[1:], strict=False)), default=0.0)
    return out


def served_again(fault: float, workers: list[BenchWorker], partitions: int) -> bool:
    """Whether every input partition stored a batch after ``fault``."""
    parts = {p for w in workers for at, batch in w.stored() if at > fault for p in batch}
    return len(parts) >= partitions


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, workers: list[BenchWorker]) -> None:
    """Poll ``predicate``; RuntimeError naming ``what`` (and the workers' logs) after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            logs = ", ".join(str(w.log_path) for w in workers)
            raise RuntimeError(f"{what} did not happen within {timeout:.0f} s (logs: {logs})")
        time.sleep(0.1)


def exact(ch_url: str, sent: list[bytes], timeout: float) -> dict[str, int]:
    """``lost`` and ``doubled`` events in queries once every sent event is stored (or ``timeout``)."""
    from pipeline.storage import connect

    expected = {str(orjson.loads(line)["id"]) for line in sent}
    ch = connect(ch_url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            row = ch.query("SELECT count() AS n, uniqExact(event_id) AS u FROM mentions FINAL")[0]
            if int(row["u"]) >= len(expected) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        stored = {str(r["event_id"]) for r in ch.query("SELECT DISTINCT event_id FROM mentions FINAL")}
        rollup = ch.query("SELECT sum(events) AS n FROM rollup_hour WHERE signal = 'mention'")[0]["n"]
        want = ch.query("SELECT sum(length(arrayDistinct(if(empty(brands), [''], brands)))) AS n "
                        "FROM mentions FINAL")[0]["n"]
    finally:
        ch.close()
    doubled = int(row["n"]) - int(row["u"]) + max(0, int(rollup or 0) - int(want or 0))
    return {"lost": len(expected - stored), "doubled": doubled, "sent": len(expected)}


Fault = Callable[[list[BenchWorker], Callable[[str], BenchWorker]], list[BenchWorker]]
"""Applies a fault to the running workers (starting others with the function given); the workers now."""


def kill_restart(workers: list[BenchWorker], start: Callable[[str], BenchWorker]) -> list[BenchWorker]:
    """``kill -9`` of the only worker and a new one at once."""
    workers[0].kill9()
    return [start("w0-again")]


def kill_peer(workers: list[BenchWorker], start: Callable[[str], BenchWorker]) -> list[BenchWorker]:
    """``kill -9`` of the second of two workers; the first takes over."""
    workers[1].kill9()
    return [workers[0]]


def rolling(workers: list[BenchWorker], start: Callable[[str], BenchWorker]) -> list[BenchWorker]:
    """``SIGTERM`` to the second of two workers, and the same worker started again once it exited."""
    code = workers[1].stop()
    if code != 0:
        raise RuntimeError(f"the worker stopped with SIGTERM exited with {code} (log: {workers[1].log_path})")
    return [workers[0], start("w1-again")]


SCENARIOS: dict[str, tuple[int, Fault]] = {
    "kill_restart": (1, kill_restart), "kill_peer": (2, kill_peer), "rolling": (2, rolling),
}
"""Scenario name: (workers before the fault, the fault)."""


def run_scenario(plan: Plan, name: str, seed: int, step: Step) -> dict[str, Any]:
    """One scenario on fresh topics: its longest silence after the fault, and lost and doubled events."""
    from pipeline.storage import connect
    from pipeline.storage.migrate import migrate

    before, fault = SCENARIOS[name]
    prefix = f"fo{seed}{name.replace('_', '')}."
    ch = connect(plan.ch_url(prefix.rstrip(".")))
    try:
        migrate(ch)  # before the workers: two of them must not race to create the schema
    finally:
        ch.close()
    replay_ = Replay(plan.bootstrap, prefix, plan.rate, seed)
    replay_.start()
    everyone: list[BenchWorker] = []

    def start(worker: str) -> BenchWorker:
        everyone.append(BenchWorker(plan, prefix, worker))
        return everyone[-1]

    try:
        workers = [start(f"w{i}") for i in range(before)]
        step(f"{name}: {before} worker(s) starting, replay at {plan.rate:.0f} events/s")
        wait_for(lambda: all(w.stored() for w in workers), START_SECONDS, "every worker storing a batch", everyone)
        time.sleep(plan.steady_seconds)
        step(f"{name}: fault")
        at = time.time()
        workers = fault(workers, start)
        wait_for(lambda: served_again(at, everyone, 2 * PARTITIONS) and all(
            any(t > at for t, _ in w.stored()) for w in workers), plan.max_recovery_seconds,
                 "every partition and every worker storing a batch after the fault", everyone)
        time.sleep(TAIL_SECONDS)
        until = time.time()
        sent = replay_.finish()
        silence = longest_silence(at, [b for w in everyone for b in w.stored()], until)
        counts = exact(plan.ch_url(prefix.rstrip(".")), sent, timeout=120)
    finally:
        replay_.stopping.set()
        for worker in everyone:
            worker.stop()
    worst = max(silence.values(), default=0.0)
    step(f"{name}: longest silence {worst:.1f} s, lost {counts['lost']}, doubled {counts['doubled']}")
    return {f"failover_{name}_s": round(worst, 1), f"failover_{name}_lost": counts["lost"],
            f"failover_{name}_doubled": counts["doubled"], f"failover_{name}_events": counts["sent"]}


def run_failover(*, bootstrap: str | None, clickhouse: str | None, workdir: Path, seed: int, step: Step,
                 rate: float = 200.0, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Every scenario against the broker at ``bootstrap`` (a Tansu started as its own process when None)."""
    from pipeline.bench.run import LOCAL, backend_name, clickhouse_urls
    from pipeline.local.broker import EmbeddedBroker

    spec = clickhouse or LOCAL  # two worker processes cannot share one chDB directory
    results: dict[str, Any] = {"backend": backend_name(spec), "failover_rate_events_per_s": rate,
                               "broker": bootstrap or "Tansu (started for the run, its own process)"}
    with contextlib.ExitStack() as stack:
        if bootstrap is None:
            bootstrap = stack.enter_context(EmbeddedBroker(log_path=workdir / "tansu-failover.log")).bootstrap
        ch_url = stack.enter_context(clickhouse_urls(spec, workdir, step))
        plan = Plan(bootstrap, ch_url, workdir, rate=rate, env=dict(env or {}))
        for name in SCENARIOS:
            results.update(run_scenario(plan, name, seed, step))
    results["failover_lost"] = sum(v for k, v in results.items() if k.endswith("_lost"))
    results["failover_doubled"] = sum(v for k, v in results.items() if k.endswith("_doubled"))
    return results
