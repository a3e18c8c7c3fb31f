"""Soak: one of two workers killed (``kill -9``) or stopped (``SIGTERM``) and restarted, 20 times, under a paced replay.

On the session's Tansu (a broker process of its own, as any external Kafka) and the ClickHouse
server. The workers are the real worker with a listener that logs each stored batch's time and
partitions (``python -m pipeline.bench.child logged``), so every cycle's longest silence of an input
partition is known. Totals must be exact, and no cycle may leave a partition silent for longer than
the documented recovery time (docs/failover.md) for the timeouts the workers run with.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import orjson
import pytest

from pipeline.bench.failover import PARTITIONS, Replay, expected_recovery_seconds, longest_silence
from pipeline.storage import connect
from pipeline.storage.migrate import migrate
from tests.fixtures.kafka import WorkerEnv, WorkerProcess, worker_factory
from tests.integration.expect import Expectation, assert_exact, complete, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.cpu_heavy]  # xdist "heavy" group: never beside another

CYCLES = 20
SESSION, HEARTBEAT = 3.0, 0.5
"""Shorter than the defaults (6 s, 1 s) so that 20 cycles fit the suite; the bound scales with them."""
SOAK_ENV = {"SOCIALLISTEN_SESSION_TIMEOUT": str(SESSION), "SOCIALLISTEN_HEARTBEAT_INTERVAL": str(HEARTBEAT),
            "SOCIALLISTEN_BATCH_SIZE": "500", "SOCIALLISTEN_STALL_SECONDS": "20",
            "SOCIALLISTEN_DESK_ENABLED": "false"}  # the desk's agent and table add seconds to every start
RATE = 60.0
"""Events per second: every input partition gets one every ~0.15 s, so an unserved one shows."""


class LoggedWorker(WorkerProcess):
    """The real worker, logging when each batch was stored and from which partitions.

    It starts as a spare: imported, its analysis processes loaded, waiting for :meth:`go` to join
    the group, so that each restart does not also wait for Python's and the analyser's start-up
    (the worker's own cost, ten seconds and more on a loaded machine, whatever the group does).
    """

    command = ("pipeline.bench.child", "logged")

    def __init__(self, wenv: WorkerEnv, log_path: Path, **env: str) -> None:
        self.batches = log_path.with_suffix(".batches.jsonl")
        self.start_file = log_path.with_suffix(".start")
        super().__init__(wenv, log_path, "--out", str(self.batches), "--start-file", str(self.start_file), **env)

    def armed(self) -> bool:
        """Whether it is imported and waits for :meth:`go`."""
        return self.batches.with_name(self.batches.name + ".armed").exists()

    def go(self) -> LoggedWorker:
        """Start the worker (join the group)."""
        self.start_file.touch()
        return self

    def stored(self) -> list[tuple[float, list[str]]]:
        """(time, partitions) of every batch it stored so far."""
        if not self.batches.exists():
            return []
        rows = [orjson.loads(line) for line in self.batches.read_bytes().splitlines() if line.strip()]
        return [(float(r["t"]), list(r["parts"])) for r in rows]


def _served_since(at: float, workers: list[LoggedWorker], newcomer: LoggedWorker) -> Callable[[], bool]:
    def served() -> bool:
        parts = {p for w in workers for t, batch in w.stored() if t > at for p in batch}
        return len(parts) == 2 * PARTITIONS and any(t > at for t, _ in newcomer.stored())

    return served


def test_twenty_kills_and_restarts_lose_nothing_and_recover_within_the_documented_time(  # type: ignore[no-untyped-def]
    worker_env, tmp_path: Path
) -> None:
    ch = connect(worker_env.clickhouse_url)
    migrate(ch)  # the workers run no migrations: two of them must not race to create the schema
    replay = Replay(worker_env.kafka_url, worker_env.prefix, RATE, seed=28, invalid_rate=0.01)
    faults: list[tuple[float, bool]] = []  # (time, crash)
    with worker_factory(partial(LoggedWorker, worker_env), tmp_path, "soak") as start:
        everyone = [start(**SOAK_ENV).go(), start(**SOAK_ENV).go()]
        workers, spare = list(everyone), start(**SOAK_ENV)
        replay.start()
        try:
            wait_until(lambda: all(w.stored() for w in workers), 120, "both workers storing a batch")
            for cycle in range(CYCLES):
                slot, crash = cycle % 2, cycle % 4 < 2  # each worker in turn; kill -9 twice, then SIGTERM twice
                wait_until(spare.armed, 60, "the spare worker to be imported")
                faults.append((time.time(), crash))
                if crash:
                    workers[slot].kill9()
                else:
                    workers[slot].stop()
                    assert workers[slot].proc.returncode == 0, f"cycle {cycle}: SIGTERM exit code"
                workers[slot] = spare.go()
                everyone.append(workers[slot])
                spare = start(**SOAK_ENV)  # the next restart's process imports meanwhile
                wait_until(_served_since(faults[-1][0], workers, workers[slot]), 90,
                           f"cycle {cycle}: every partition and the restarted worker storing a batch")
            last_served = time.time()
        finally:
            sent = replay.finish()
        exp = Expectation.from_lines(sent)
        wait_until(complete(ch, exp), 120, "every sent event stored or dead-lettered")
        assert_exact(ch, exp)
        stored = [b for w in everyone for b in w.stored()]
        ends = [at for at, _ in faults[1:]] + [last_served]  # each cycle lasts until the next fault
        silences = [max(longest_silence(at, stored, end).values()) for (at, _), end in zip(faults, ends, strict=True)]
        ch.close()
    over = [(i, round(s, 1)) for i, ((_, crash), s) in enumerate(zip(faults, silences, strict=True))
            if s > expected_recovery_seconds(SESSION, HEARTBEAT, crash=crash)]
    assert not over, f"cycles whose silence exceeded the documented recovery time: {over}; all: " \
                     f"{[round(s, 1) for s in silences]}"
