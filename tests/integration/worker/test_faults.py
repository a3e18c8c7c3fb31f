"""Delivery guarantees under crashes, outages and hostile input (Tansu + a real ClickHouse server).

Each test computes the expected counts from its input with the worker's own pure code
(tests/integration/expect.py) and requires ClickHouse to report exactly those.
"""

from __future__ import annotations

import threading
import time
import uuid

import psutil
import pytest

from pipeline.config import KafkaSettings, Settings
from pipeline.kafka.producer import make_producer, replay
from pipeline.kafka.topics import Topics, ensure_topics
from pipeline.local.clickhouse_server import ClickHouseServer
from pipeline.sample import generate_events
from pipeline.storage import ClickHouse, connect
from pipeline.storage.errors import StorageError
from pipeline.storage.migrate import applied_migrations, load_migrations
from pipeline.storage.stats import stats
from tests.integration.expect import Expectation, assert_exact, complete, missing_by_partition, wait_until

pytestmark = pytest.mark.integration


def produce(worker_env, lines: list[bytes], rate: float | None = None) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(kafka=KafkaSettings(topic_prefix=worker_env.prefix, partitions=4))
    ensure_topics(worker_env.kafka_url, settings)
    producer = make_producer(worker_env.kafka_url)
    try:
        replay(lines, producer, Topics.from_settings(settings), rate=rate)  # raises unless every event is acked
    finally:
        producer.close()


class Producing(threading.Thread):
    """:func:`produce` beside the test; :meth:`finish` re-raises what stopped it."""

    def __init__(self, worker_env, lines: list[bytes], rate: float) -> None:  # type: ignore[no-untyped-def]
        super().__init__(daemon=True)
        self.args_ = (worker_env, lines, rate)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            produce(*self.args_)
        except BaseException as exc:  # noqa: BLE001 - handed to the test by finish()
            self.error = exc

    def finish(self, timeout: float) -> None:
        self.join(timeout)
        assert not self.is_alive(), f"the producer did not finish within {timeout:.0f} s"
        if self.error is not None:
            raise AssertionError(f"the producer failed: {self.error}") from self.error


@pytest.mark.cpu_heavy
def test_kill_9_mid_stream_then_restart_counts_exact(worker_env, start_worker) -> None:  # type: ignore[no-untyped-def]
    lines = list(generate_events(20000, seed=11, invalid_rate=0.01))
    exp = Expectation.from_lines(lines)
    produce(worker_env, lines)
    ch = connect(worker_env.clickhouse_url)
    try:
        first = start_worker()
        wait_until(lambda: stats(ch)["mentions"] > 4000, 240, "the first worker to store part of the stream")
        first.kill9()
        partial = stats(ch)["mentions"]
        assert partial < len(exp.valid_ids), "the kill came too late to test recovery"
        second = start_worker()
        wait_until(complete(ch, exp), 400, "the restarted worker to finish the stream", diagnose=second.state)
        time.sleep(2)  # let a duplicate tail, if any, land before comparing
        assert second.alive()
        assert_exact(ch, exp)
    finally:
        ch.close()


def test_clickhouse_outage_recovers_without_restart(worker_env, start_worker, clickhouse_server) -> None:  # type: ignore[no-untyped-def]
    lines = list(generate_events(8000, seed=12))
    exp = Expectation.from_lines(lines)
    worker = start_worker(SOCIALLISTEN_RETRY_MAX_SECONDS="2")
    ch = connect(worker_env.clickhouse_url)
    try:
        producer = Producing(worker_env, lines, 400.0)
        producer.start()
        wait_until(lambda: stats(ch)["mentions"] > 500, 120, "the worker to store the first events")
        clickhouse_server.stop()
        rss: list[float] = []
        proc = psutil.Process(worker.proc.pid)
        outage_end = time.monotonic() + 30
        while time.monotonic() < outage_end:
            rss.append(proc.memory_info().rss / 2**20)
            time.sleep(1)
        assert worker.alive()
        clickhouse_server.start()
        producer.finish(timeout=120)
        wait_until(complete(ch, exp), 300, "the worker to catch up after the outage", diagnose=worker.state)
        time.sleep(2)
        assert worker.alive(), "the worker must recover by itself, not by a restart"
        logs = worker.logs()
        # whichever step met the outage first (the writer, a listener, the desk) logged it
        assert "unreachable" in logs or "unavailable" in logs
        assert_exact(ch, exp)
    finally:
        ch.close()
    # bounded memory: the paused consumer did not buffer the stream while ClickHouse was down
    assert max(rss) - rss[0] < 150, f"RSS grew from {rss[0]:.0f} to {max(rss):.0f} MB during the outage"


@pytest.mark.cpu_heavy
def test_two_workers_one_killed_totals_exact(worker_env, start_worker) -> None:  # type: ignore[no-untyped-def]
    lines = list(generate_events(12000, seed=13, invalid_rate=0.01))
    exp = Expectation.from_lines(lines)
    ch = connect(worker_env.clickhouse_url)
    try:
        a = start_worker()
        b = start_worker()
        producer = Producing(worker_env, lines, 1500.0)
        producer.start()
        wait_until(lambda: stats(ch)["mentions"] > 3000, 240, "both workers to store part of the stream")
        b.kill9()
        producer.finish(timeout=120)
        wait_until(complete(ch, exp), 400, "the surviving worker to take over and finish",
                   diagnose=lambda: f"{a.state()}; {missing_by_partition(ch, lines, exp)}")
        time.sleep(2)
        assert a.alive()
        assert_exact(ch, exp)
    finally:
        ch.close()


def _applied(ch: ClickHouse) -> set[str]:
    try:
        return set(applied_migrations(ch))
    except StorageError:  # no schema_migrations table yet
        return set()


def test_failed_enrich_stage_stops_the_worker_and_the_restart_replays_its_batches(worker_env, start_worker) -> None:  # type: ignore[no-untyped-def]
    from pipeline.worker.stages import EX_SOFTWARE

    lines = list(generate_events(1500, seed=13, invalid_rate=0.04))
    exp = Expectation.from_lines(lines)
    assert exp.invalid_hashes, "the stream must contain bad events, whose dead letters the failure hits"
    ch = connect(worker_env.clickhouse_url)
    try:
        first = start_worker()
        latest = {m.version for m in load_migrations()}
        # every migration applied (a later one may alter dead_letters): only then is the table parked
        wait_until(lambda: _applied(ch) >= latest, 120, "the worker to create its tables")
        # an unrecoverable storage error (not an outage): the first dead-letter insert finds no table
        ch.execute("RENAME TABLE dead_letters TO dead_letters_parked")
        produce(worker_env, lines)
        wait_until(lambda: not first.alive(), 120, "the worker to exit after its enrich stage failed")
        assert first.proc.returncode == EX_SOFTWARE, first.logs()[-3000:]
        logs = first.logs()
        assert "the enrich stage failed" in logs and "dead_letters" in logs
        ch.execute("RENAME TABLE dead_letters_parked TO dead_letters")  # the operator's fix
        second = start_worker()  # what the supervisor does: the uncommitted batches are read again
        wait_until(complete(ch, exp), 300, "the restarted worker to store everything", diagnose=second.state)
        time.sleep(2)
        assert second.alive()
        assert_exact(ch, exp)
    finally:
        ch.close()


def test_a_worker_started_before_its_clickhouse_waits_for_it(worker_env, start_worker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A worker started before its ClickHouse retries the schema migration instead of exiting.

    As when the server is still booting, or several workers migrate a cluster at once; once the
    server answers, the worker stores the stream exactly.
    """
    lines = list(generate_events(2000, seed=14))
    exp = Expectation.from_lines(lines)
    late = ClickHouseServer(tmp_path / "late-clickhouse")  # its ports are chosen; it is not started yet
    url = late.url(f"late_{uuid.uuid4().hex[:8]}")
    worker = start_worker(SOCIALLISTEN_CLICKHOUSE_URL=url, SOCIALLISTEN_STARTUP_WAIT_SECONDS="300")
    try:
        wait_until(lambda: "opening ClickHouse" in worker.logs() and "retrying in" in worker.logs(), 120,
                   "the worker to log that it waits for ClickHouse")
        time.sleep(3)  # a few more attempts
        assert worker.alive(), worker.logs()[-2000:]
        late.start()
        produce(worker_env, lines)
        ch = connect(url)
        try:
            wait_until(complete(ch, exp), 300, "the worker to store the stream once ClickHouse is up",
                       diagnose=worker.state)
            assert_exact(ch, exp)
            assert {m.version for m in load_migrations()} <= _applied(ch)
        finally:
            ch.close()
    finally:
        worker.stop()  # before its ClickHouse: a worker stopping during an outage waits for it
        late.stop()


def test_without_startup_wait_a_worker_fails_at_once_naming_clickhouse(worker_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    absent = ClickHouseServer(tmp_path / "never-started")  # nothing listens on its port
    done = worker_env.run("worker", timeout=120, SOCIALLISTEN_CLICKHOUSE_URL=absent.url("nowhere"),
                          SOCIALLISTEN_STARTUP_WAIT_SECONDS="0")
    err = done.stderr.decode(errors="replace")
    assert done.returncode != 0
    assert f"127.0.0.1:{absent.port}" in err and "unavailable" in err, err[-2000:]
    assert "retrying in" not in err
