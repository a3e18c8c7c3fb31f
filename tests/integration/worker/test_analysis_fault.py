"""An analyser fault on one event, through the real broker (Tansu) and a real ClickHouse server.

The analyser of the worker subprocess (and of its analysis process) raises for one marked event
(:mod:`tests.integration.worker.analysis_fault`): that event must become a dead letter with reason
``analysis_error``, every other event of its batch must be stored, and the worker must go on.
"""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path

import orjson
import pytest

from pipeline.sample import generate_events
from pipeline.storage import connect
from pipeline.text.keywords import KeywordExtractor
from tests.integration.expect import Expectation, assert_exact, complete, wait_until
from tests.integration.worker.analysis_fault import MARKER, fault_site, faulty
from tests.integration.worker.test_faults import produce
from tests.integration.worker.test_pipeline import read_topic

pytestmark = pytest.mark.integration

FAULT_ID = "weibo:4929290000029"


def fault_line() -> bytes:
    """A valid event whose text carries the marker."""
    return orjson.dumps({
        "id": FAULT_ID, "platform": "weibo", "kind": "post", "author": {"id": "29", "name": "故障"},
        "text": f"刚收到货，质量不错 {MARKER} 物流也快", "created_at": "2024-05-01T12:00:00+08:00",
    })


def test_an_analyser_fault_dead_letters_its_event_and_stores_the_rest_of_the_batch(  # type: ignore[no-untyped-def]
    worker_env, start_worker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = list(generate_events(900, seed=29))
    first = [*stream[:300], fault_line(), *stream[300:600]]
    monkeypatch.setattr(KeywordExtractor, "extract", faulty(KeywordExtractor.extract))  # the expectation, too
    exp_first = Expectation.from_lines(first)
    exp_all = Expectation.from_lines([*first, *stream[600:]])
    assert FAULT_ID not in exp_first.valid_ids and len(exp_first.invalid_hashes) == 1

    produce(worker_env, first)  # all waiting before the worker starts: the fault shares its batch with others
    worker = start_worker(**fault_site(tmp_path / "fault_site"))
    ch = connect(worker_env.clickhouse_url)
    try:
        wait_until(complete(ch, exp_first), 180, "the batch around the fault stored", diagnose=worker.state)
        assert_exact(ch, exp_first)
        [row] = ch.query("SELECT stage, reason, error, raw_b64 FROM dead_letters FINAL")
        assert (row["stage"], row["reason"]) == ("enrich", "analysis_error")
        assert row["error"] == f"KeyError: '{MARKER}'" and base64.b64decode(row["raw_b64"]) == fault_line()

        produce(worker_env, stream[600:])  # the worker goes on with the stream
        wait_until(complete(ch, exp_all), 120, "the events after the fault stored", diagnose=worker.state)
        time.sleep(1)
        assert_exact(ch, exp_all)
    finally:
        ch.close()
    assert worker.alive(), "an analyser fault must never stop the worker"
    logs = worker.logs()
    assert "batch analysis failed (KeyError" in logs and "analysing event by event" in logs
    assert "the enrich stage failed" not in logs
    [dead] = asyncio.run(read_topic(worker_env.kafka_url, f"{worker_env.prefix}deadletter", 1))
    assert (dead["stage"], dead["reason"]) == ("enrich", "analysis_error")
