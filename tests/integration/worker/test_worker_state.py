"""The worker's state snapshot (SIGUSR1) and stall watchdog, on Tansu and a real ClickHouse server."""

from __future__ import annotations

import os
import re
import signal
import time

import orjson
import pytest

from pipeline.sample import generate_events
from pipeline.storage import connect
from tests.integration.expect import Expectation, complete, wait_until
from tests.integration.worker.test_faults import produce

pytestmark = pytest.mark.integration


def test_sigusr1_logs_offsets_of_owned_partitions(worker_env, start_worker) -> None:  # type: ignore[no-untyped-def]
    lines = list(generate_events(600, seed=21))
    exp = Expectation.from_lines(lines)
    produce(worker_env, lines)
    worker = start_worker()
    ch = connect(worker_env.clickhouse_url)
    try:
        wait_until(complete(ch, exp), 180, "the worker to store the stream")
    finally:
        ch.close()

    def snapshots() -> list[dict]:  # type: ignore[type-arg]
        return [orjson.loads(m) for m in re.findall(r"worker state: (\{.*\})$", worker.logs(), re.M)]

    def settled() -> bool:  # ask for a snapshot until the last batch's offsets are committed (1 s ticks)
        before = len(snapshots())
        os.kill(worker.proc.pid, signal.SIGUSR1)
        wait_until(lambda: len(snapshots()) > before, 30, "the state snapshot in the log")
        # an input partition that never held an event (the tracking topics here) has nothing to commit
        return all((row["committed"] or 0) == row["highwater"] for row in snapshots()[-1]["lag"].values())

    wait_until(settled, 60, "a snapshot with every owned partition committed to its end", interval=1.0)
    state = snapshots()[-1]
    assert worker.alive(), "the signal must not stop the worker"
    assert state["events"] == len(lines)
    lag = state["lag"]
    inputs = ("posts", "comments", "clicks", "visits", "conversions")  # mentions and the tracking topics
    assert sorted(lag) == sorted(f"{worker_env.prefix}{t}[{p}]" for t in inputs for p in range(4))
    assert sum(row["highwater"] for row in lag.values()) == len(lines)
    for row in lag.values():  # read and committed to the end of each partition that held events
        if row["highwater"]:
            assert row["read"] == row["highwater"] - 1
            assert row["committed"] == row["highwater"]
        else:
            assert row["read"] is None and row["committed"] is None
    enrich = state["agent_queues"]["enrich"]
    assert enrich["batches_in_flight"] == 0 and enrich["gathered"] == 0
    assert enrich["idle"] is True, "a worker with everything committed takes the next batch early"
    assert state["tasks"], "task stacks are part of the snapshot"
    assert state["event_loop"] == "uvloop", "the worker runs on uvloop by default (SOCIALLISTEN_EVENT_LOOP)"


def test_watchdog_reports_a_worker_that_cannot_finish_batches(
    worker_env, start_worker, clickhouse_server
) -> None:  # type: ignore[no-untyped-def]
    """ClickHouse down: batches cannot finish while events wait, so the watchdog speaks up once."""
    worker = start_worker(SOCIALLISTEN_STALL_SECONDS="4", SOCIALLISTEN_STALL_CHECK_SECONDS="1",
                          SOCIALLISTEN_RETRY_MAX_SECONDS="1")
    lines = list(generate_events(400, seed=22))
    exp = Expectation.from_lines(lines)
    ch = connect(worker_env.clickhouse_url)
    try:
        produce(worker_env, lines[:50])
        wait_until(lambda: "Worker ready" in worker.logs(), 120, "the worker to join")
        clickhouse_server.stop()
        try:
            produce(worker_env, lines[50:])
            wait_until(lambda: "worker stalled" in worker.logs(), 60, "the stall report")
        finally:
            clickhouse_server.start()
        wait_until(complete(ch, exp), 180, "the worker to catch up after the outage")
    finally:
        ch.close()
    logs = worker.logs()
    assert logs.count("worker stalled") == 1, "one report per stall"
    waiting = int(re.search(r"worker stalled: (\d+) events wait", logs).group(1))  # type: ignore[union-attr]
    assert 0 < waiting <= len(lines)
    assert worker.alive()


def test_watchdog_keeps_quiet_for_a_worker_with_nothing_to_do(worker_env, start_worker) -> None:  # type: ignore[no-untyped-def]
    """Caught up and idle (every owned partition known to be at its end) is not a stall."""
    worker = start_worker(SOCIALLISTEN_STALL_SECONDS="3", SOCIALLISTEN_STALL_CHECK_SECONDS="1")
    lines = list(generate_events(200, seed=23))
    exp = Expectation.from_lines(lines)
    produce(worker_env, lines)
    ch = connect(worker_env.clickhouse_url)
    try:
        wait_until(complete(ch, exp), 180, "the worker to store the stream")
    finally:
        ch.close()
    time.sleep(2.0)  # the last offsets are committed (1 s ticks); a stall during start-up is not this test's
    seen = len(worker.logs())
    time.sleep(12.0)  # four times the stall setting: a dozen watchdog checks of an idle, caught-up worker
    assert worker.alive()
    assert "worker stalled" not in worker.logs()[seen:], worker.logs()[-3000:]
