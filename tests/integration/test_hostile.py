"""1,000 malformed or hostile events (hypothesis) mixed into a valid stream."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.sample import generate_events
from pipeline.storage import connect
from tests.integration.expect import Expectation, assert_exact, complete, wait_until
from tests.integration.test_faults import produce
from tests.integration.test_pipeline import read_topic

pytestmark = pytest.mark.integration

BASE: dict[str, Any] = {
    "id": "weibo:1",
    "platform": "weibo",
    "kind": "post",
    "author": {"id": "u1", "name": "测试"},
    "text": "刚收到货，质量不错",
    "created_at": "2024-03-01T10:00:00+08:00",
}
SQLISH = ["'; DROP TABLE mentions; --", "\\' OR 1=1 --", "%(x)s", "{x:String}", "`mentions`", "\\x00", "0x27"]
ident = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
wrong_type = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(), st.lists(st.integers(), max_size=2))


@st.composite
def hostile_event(draw: st.DrawFn, n: int) -> bytes:
    """One bad message; about 1 in 8 is a *valid* event carrying SQL-like text (must be stored intact)."""
    ev = json.loads(json.dumps(BASE))
    ev["id"] = f"weibo:h{n}"
    kind = draw(st.sampled_from(
        ["broken_json", "wrong_type", "missing", "huge", "bad_utf8", "control", "sql_valid", "sql_id", "bytes", "platform"]
    ))
    if kind == "broken_json":
        raw = json.dumps(ev, ensure_ascii=False).encode()
        return raw[: draw(st.integers(1, len(raw) - 1))]
    if kind == "wrong_type":
        field = draw(st.sampled_from(["text", "created_at", "author", "platform", "id"]))
        ev[field] = draw(wrong_type)
    elif kind == "missing":
        del ev[draw(st.sampled_from(["id", "platform", "author", "text", "created_at"]))]
    elif kind == "huge":
        ev["text"] = "长" * draw(st.integers(350_000, 360_000))  # > 1 MB of UTF-8
    elif kind == "bad_utf8":
        raw = json.dumps(ev, ensure_ascii=False).encode()
        cut = draw(st.integers(1, len(raw) - 2))
        return raw[:cut] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80"])) + raw[cut:]
    elif kind == "control":
        ev["text"] = "坏了" + draw(st.sampled_from(["\x00", "\x01", "\x1b", "\x7f"])) + draw(st.sampled_from(SQLISH))
    elif kind == "sql_valid":
        ev["text"] = "收到货了 " + draw(st.sampled_from(SQLISH)) + draw(ident)
    elif kind == "sql_id":
        ev["id"] = "weibo:" + draw(st.sampled_from(SQLISH))
    elif kind == "bytes":
        return b"\x00" + draw(st.binary(min_size=0, max_size=64))
    elif kind == "platform":
        ev["platform"] = draw(st.sampled_from(["douyin", "WEIBO", "", "weibo; DROP"]))
    return json.dumps(ev, ensure_ascii=False).encode()


@settings(max_examples=1, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.data_too_large, HealthCheck.too_slow, HealthCheck.large_base_example,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_events_dead_lettered_valid_events_stored(data: st.DataObject, worker_env, start_worker) -> None:  # type: ignore[no-untyped-def]
    hostile = [data.draw(hostile_event(i)) for i in range(1000)]
    valid = list(generate_events(3000, seed=21))
    lines = valid + hostile
    random.Random(5).shuffle(lines)
    exp = Expectation.from_lines(lines)
    assert len(exp.invalid_hashes) > 700  # most hostile lines are invalid; a few are valid SQL-ish texts

    worker = start_worker()
    produce(worker_env, lines)
    ch = connect(worker_env.clickhouse_url)
    try:
        wait_until(complete(ch, exp), 300, "every event stored or dead-lettered")
        assert_exact(ch, exp)
        sqlish = ch.query("SELECT text FROM mentions FINAL WHERE event_id LIKE 'weibo:h%%'")
        assert all(row["text"].startswith("收到货了 ") for row in sqlish)
        tables = {r["name"] for r in ch.query("SHOW TABLES")}
        assert {"mentions", "dead_letters"} <= tables
    finally:
        ch.close()
    assert worker.alive(), "a hostile message must never stop the worker"
    dead = asyncio.run(read_topic(worker_env.kafka_url, f"{worker_env.prefix}deadletter", len(exp.invalid_hashes)))
    assert {d["dl_id"] for d in dead} == exp.invalid_hashes
    assert all(d["reason"] and d["error"] and d["raw_b64"] for d in dead)
