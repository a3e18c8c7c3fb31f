"""The worker on the real broker (Tansu) and a real ClickHouse server, end to end."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import orjson
import pytest
from aiokafka import AIOKafkaConsumer

from pipeline.config import KafkaSettings, Settings
from pipeline.decode import decode_event
from pipeline.errors import EventRejected
from pipeline.sample import generate_events
from pipeline.storage import connect
from pipeline.storage.stats import stats
from tests.integration.expect import Expectation, assert_exact, complete, wait_until

pytestmark = pytest.mark.integration


def split_valid(lines: list[bytes]) -> tuple[set[str], int]:
    """Ids of the valid lines (computed with the worker's decoder) and the number of invalid ones."""
    settings = Settings()
    ids: set[str] = set()
    invalid = 0
    for line in lines:
        try:
            event = decode_event(
                line, max_bytes=settings.worker.max_event_bytes, max_text_chars=settings.worker.max_text_chars
            )
            ids.add(event.id)
        except EventRejected:
            invalid += 1
    return ids, invalid


async def read_topic(
    bootstrap: str, topic: str, expected: int, timeout: float = 60.0, *, distinct: str | None = None
) -> list[dict]:  # type: ignore[type-arg]
    """Messages of ``topic`` from the start, until ``expected`` were read or ``timeout`` passed.

    With ``distinct`` (a JSON key), ``expected`` counts distinct values of that key: delivery is
    at least once, so a batch processed twice may have sent its messages twice.
    """
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    out: list[dict] = []  # type: ignore[type-arg]
    seen: set[object] = set()

    def count() -> int:
        return len(seen) if distinct else len(out)

    try:
        deadline = time.monotonic() + timeout
        while count() < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for r in records:
                    msg = orjson.loads(r.value)
                    out.append(msg)
                    if distinct:
                        seen.add(msg.get(distinct))
    finally:
        await consumer.stop()
    return out


def test_worker_stores_valid_events_and_dead_letters_the_rest(worker_env, start_worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = list(generate_events(1500, seed=7, invalid_rate=0.04))
    valid_ids, invalid = split_valid(lines)
    assert invalid > 20  # the stream really contains bad lines
    stream = tmp_path / "events.jsonl"
    stream.write_bytes(b"\n".join(lines) + b"\n")

    start_worker()
    result = worker_env.run("replay", str(stream), "--no-progress")
    assert result.returncode == 0, result.stderr.decode()

    ch = connect(worker_env.clickhouse_url)
    try:
        # wait_until tolerates errors: the worker creates the tables when it starts
        wait_until(lambda: stats(ch)["mentions"] == len(valid_ids) and stats(ch)["dead_lettered"] == invalid,
                   180, "all events stored or dead-lettered")
        totals = stats(ch)
        stored = {r["event_id"] for r in ch.query("SELECT event_id FROM mentions FINAL")}
    finally:
        ch.close()
    assert stored == valid_ids
    assert sum(totals["by_platform"].values()) == len(valid_ids)
    assert sum(totals["dead_letters_by_reason"].values()) == invalid

    dead = asyncio.run(read_topic(worker_env.kafka_url, f"{worker_env.prefix}deadletter", invalid, distinct="dl_id"))
    assert len({d["dl_id"] for d in dead}) == invalid
    for d in dead:
        assert d["reason"] and d["error"] and d["stage"] in {"decode", "validate"}
        assert d["source_topic"].startswith(worker_env.prefix)


def test_replaying_the_same_stream_twice_doubles_nothing(worker_env, start_worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = list(generate_events(600, seed=3, invalid_rate=0.02))
    exp = Expectation.from_lines(lines)
    stream = tmp_path / "events.jsonl"
    stream.write_bytes(b"\n".join(lines) + b"\n")
    start_worker()
    ch = connect(worker_env.clickhouse_url)
    try:
        for _ in range(2):
            assert worker_env.run("replay", str(stream), "--no-progress").returncode == 0
        # the second copy is processed after the first: wait until the dead-letter topic saw it too
        dead = asyncio.run(read_topic(worker_env.kafka_url, f"{worker_env.prefix}deadletter",
                                      2 * len(exp.invalid_hashes)))
        assert len(dead) == 2 * len(exp.invalid_hashes)
        wait_until(complete(ch, exp), 120, "both copies stored")
        time.sleep(1)
        assert_exact(ch, exp)
    finally:
        ch.close()


def test_packed_messages_keep_thread_partitions_and_store_every_event(worker_env, start_worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from pipeline.kafka.producer import make_producer, partition_for

    # our partition choice for packed messages is the one Kafka's default partitioner makes
    producer = make_producer(worker_env.kafka_url)
    try:
        for key in (b"weibo:1", b"qq:xyz", "tieba:贴".encode()):
            meta = producer.send(f"{worker_env.prefix}probe", key=key, value=b"x").get(timeout=30)
            n = len(producer.partitions_for(f"{worker_env.prefix}probe"))
            assert meta.partition == partition_for(key, n)
    finally:
        producer.close()

    lines = list(generate_events(2000, seed=5, invalid_rate=0.02))
    exp = Expectation.from_lines(lines)
    stream = tmp_path / "events.jsonl"
    stream.write_bytes(b"\n".join(lines) + b"\n")
    start_worker()
    assert worker_env.run("replay", str(stream), "--no-progress", "--pack", "50").returncode == 0
    ch = connect(worker_env.clickhouse_url)
    try:
        wait_until(complete(ch, exp), 180, "packed events stored")
        assert_exact(ch, exp)
    finally:
        ch.close()


def test_message_larger_than_a_fetch_is_dead_lettered_and_the_partition_moves_on(worker_env, start_worker) -> None:  # type: ignore[no-untyped-def]
    from pipeline.config import Settings
    from pipeline.kafka.producer import make_producer, replay
    from pipeline.kafka.topics import Topics, ensure_topics

    settings = Settings(kafka=KafkaSettings(topic_prefix=worker_env.prefix, partitions=4))
    ensure_topics(worker_env.kafka_url, settings)
    topics = Topics.from_settings(settings)
    lines = list(generate_events(200, seed=9))
    valid_ids, _ = split_valid(lines)
    producer = make_producer(worker_env.kafka_url)
    try:
        for partition in range(settings.kafka.partitions):  # in every partition, ahead of the valid events
            huge = b'{"id": "weibo:%d", "text": "' % partition + "长".encode() * 1_000_000 + b'"}'  # 3 MB
            producer.send(topics.posts, key=b"weibo:1", value=huge, partition=partition).get(timeout=60)
        replay(lines, producer, topics)
    finally:
        producer.close()
    start_worker()
    ch = connect(worker_env.clickhouse_url)
    try:
        n = settings.kafka.partitions
        wait_until(lambda: stats(ch)["mentions"] == len(valid_ids) and stats(ch)["dead_lettered"] == n,
                   180, "the valid events stored behind the oversized messages")
        assert stats(ch)["dead_letters_by_reason"] == {"too_large": settings.kafka.partitions}
    finally:
        ch.close()


def test_an_idle_worker_stores_a_trickle_without_a_full_batch(worker_env, start_worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A batch may wait 10 minutes to fill; while the worker is idle it goes once it is 0.1 s old.
    # Three rounds: the worker must count itself idle again after each batch is written.
    start_worker(SOCIALLISTEN_BATCH_SECONDS="600", SOCIALLISTEN_BATCH_MIN_SECONDS="0.1")
    lines = list(generate_events(60, seed=11))
    ch = connect(worker_env.clickhouse_url)
    try:
        for round_, chunk in enumerate((lines[:20], lines[20:40], lines[40:])):
            stream = tmp_path / f"round{round_}.jsonl"
            stream.write_bytes(b"\n".join(chunk) + b"\n")
            assert worker_env.run("replay", str(stream), "--no-progress").returncode == 0
            exp = Expectation.from_lines(lines[: 20 * (round_ + 1)])
            wait_until(complete(ch, exp), 120 if round_ == 0 else 60,
                       f"round {round_ + 1} stored long before a full batch")
        assert_exact(ch, exp)
    finally:
        ch.close()


def test_two_analysis_processes_store_what_the_analyser_finds(worker_env, start_worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Batches shared out among two analysis processes: every event stored once, with the same signals.

    The rollups count each event under the signals its analysis gave, computed here in-process.
    """
    lines = list(generate_events(900, seed=11, invalid_rate=0.02))
    exp = Expectation.from_lines(lines)
    stream = tmp_path / "events.jsonl"
    stream.write_bytes(b"\n".join(lines) + b"\n")
    start_worker(SOCIALLISTEN_ANALYSIS_PROCESSES="2", SOCIALLISTEN_BATCH_SIZE="200")
    ch = connect(worker_env.clickhouse_url)
    try:
        assert worker_env.run("replay", str(stream), "--no-progress").returncode == 0
        wait_until(complete(ch, exp), 180, "the stream stored")
        assert_exact(ch, exp)
    finally:
        ch.close()
