"""``sociallisten deadletter list|replay`` against the real broker, worker and ClickHouse server."""

from __future__ import annotations

import base64
from pathlib import Path

import orjson
import pytest

from pipeline.sample import generate_events
from pipeline.storage import connect
from pipeline.storage.stats import stats
from tests.integration.expect import wait_until

pytestmark = pytest.mark.integration

LIMIT = 40  # a text limit set too low by mistake: the longer texts are rejected as text_too_long


def test_dead_letters_are_listed_and_re_driven_after_the_fix(worker_env, start_worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = list(generate_events(600, seed=21, invalid_rate=0.0))
    texts = {e["id"]: e["text"] for e in map(orjson.loads, lines)}
    long_ids = {i for i, t in texts.items() if len(t) > LIMIT}
    assert 50 < len(long_ids) < len(texts) - 50, "the stream must have texts on both sides of the limit"
    junk = b"{" + b"x" * 100_000  # invalid and over 64 KiB: only its start is kept, and it is never re-sent
    stream = tmp_path / "events.jsonl"
    stream.write_bytes(b"\n".join([*lines, junk]) + b"\n")

    first = start_worker(SOCIALLISTEN_MAX_TEXT_CHARS=str(LIMIT))
    assert worker_env.run("replay", str(stream), "--no-progress").returncode == 0
    ch = connect(worker_env.clickhouse_url)
    try:
        wait_until(lambda: stats(ch)["mentions"] == len(texts) - len(long_ids)
                   and stats(ch)["dead_lettered"] == len(long_ids) + 1, 180, "short stored, long dead-lettered")

        listed = worker_env.run("deadletter", "list", "--reason", "text_too_long", "--limit", "1000", "--json")
        assert listed.returncode == 0, listed.stderr.decode()
        rows = [orjson.loads(line) for line in listed.stdout.splitlines()]
        assert len(rows) == len(long_ids)
        assert {orjson.loads(base64.b64decode(r["raw_b64"]))["id"] for r in rows} == long_ids
        assert all(r["stage"] == "validate" and "SOCIALLISTEN_MAX_TEXT_CHARS" in r["error"] for r in rows)
        assert all(not r["raw_truncated"] and r["raw_size"] == len(base64.b64decode(r["raw_b64"])) for r in rows)
        cut = worker_env.run("deadletter", "list", "--reason", "invalid_json", "--json")
        [row] = [orjson.loads(line) for line in cut.stdout.splitlines()]
        assert row["raw_truncated"] and row["raw_size"] == len(junk) and len(base64.b64decode(row["raw_b64"])) == 65536
        not_sent = worker_env.run("deadletter", "replay", "--reason", "invalid_json")
        assert not_sent.returncode == 0 and "1 dead letters kept only the first 64 KiB" in not_sent.stderr.decode()
        assert "0 dead letters re-sent" in not_sent.stderr.decode()

        dry = worker_env.run("deadletter", "replay", "--reason", "text_too_long", "--dry-run")
        assert dry.returncode == 0 and f"{len(long_ids)} dead letters would be re-sent" in dry.stderr.decode()
        assert stats(ch)["mentions"] == len(texts) - len(long_ids)  # a dry run sends nothing

        first.stop()
        start_worker()  # the fix: the default text limit
        sent = worker_env.run("deadletter", "replay", "--reason", "text_too_long")
        assert sent.returncode == 0, sent.stderr.decode()
        assert f"re-sent {len(long_ids)} dead letters" in sent.stderr.decode()
        wait_until(lambda: stats(ch)["mentions"] == len(texts), 180, "the re-driven events stored")
        stored = {r["event_id"] for r in ch.query("SELECT event_id FROM mentions FINAL")}
        assert stored == set(texts)
        assert stats(ch)["dead_lettered"] == len(long_ids) + 1  # the history stays; nothing new was rejected
    finally:
        ch.close()


def test_re_driving_with_the_broker_down_fails_loudly(worker_env, start_worker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = [b'{"id": "weibo:1", "platform": "weibo"}', b"not json at all"]
    stream = tmp_path / "bad.jsonl"
    stream.write_bytes(b"\n".join(lines) + b"\n")
    start_worker()
    assert worker_env.run("replay", str(stream), "--no-progress").returncode == 0
    ch = connect(worker_env.clickhouse_url)
    try:
        wait_until(lambda: stats(ch)["dead_lettered"] == 2, 120, "both lines dead-lettered")
    finally:
        ch.close()
    # nothing listens on this port: the re-drive must not claim success (after 2 s of trying, not the default 30)
    failed = worker_env.run("deadletter", "replay", timeout=180,
                            SOCIALLISTEN_KAFKA_URL="127.0.0.1:9", SOCIALLISTEN_PRODUCE_TIMEOUT="2")
    err = failed.stderr.decode()
    assert failed.returncode == 1
    assert "re-sent" not in err
    assert "error: cannot reach Kafka at 127.0.0.1:9" in err and "SOCIALLISTEN_KAFKA_URL" in err
    assert "Traceback" not in err  # the project's errors end a command with their message
