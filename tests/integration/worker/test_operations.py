"""A worker's operations endpoints, through the real broker and ClickHouse server: /healthz, /readyz, /metrics."""

from __future__ import annotations

import re
import time
from collections import Counter

import httpx
import pytest

from pipeline.config import Settings
from pipeline.local.ports import free_port
from pipeline.records import RawRecord
from pipeline.sample import generate_events
from pipeline.text import get_analyzer
from pipeline.worker.enrich import process_batch
from tests.integration.worker.test_faults import produce

pytestmark = pytest.mark.integration


def _metric(text: str, name: str, labels: str = "") -> float:
    """The value of one sample of the Prometheus text (0 when absent)."""
    pattern = re.escape(name) + (re.escape("{" + labels + "}") if labels else "") + r" ([0-9.e+-]+)$"
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def _wait(predicate, timeout: float, what: str) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _get(url: str) -> httpx.Response | None:
    try:
        return httpx.get(url, timeout=5.0)
    except httpx.HTTPError:
        return None


def test_metrics_count_what_was_stored_and_readiness_follows_clickhouse(  # type: ignore[no-untyped-def]
    worker_env, start_worker, clickhouse_server
) -> None:
    lines = list(generate_events(1500, seed=23, invalid_rate=0.03))
    settings = Settings()
    result = process_batch([RawRecord("t", 0, i, line) for i, line in enumerate(lines)],
                           get_analyzer(settings.resolved_lexicon), max_bytes=settings.worker.max_event_bytes,
                           max_text_chars=settings.worker.max_text_chars)
    reasons = Counter(dl.reason for dl in result.dead_letters)
    assert result.enriched and reasons, "the stream needs valid and invalid events"

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    worker = start_worker(SOCIALLISTEN_OPS_PORT=str(port))
    _wait(lambda: (r := _get(f"{base}/healthz")) is not None and r.status_code == 200, 60, "/healthz")
    _wait(lambda: (r := _get(f"{base}/readyz")) is not None and r.status_code == 200, 90,
          "/readyz to say ready (ClickHouse and Kafka answer, partitions assigned)")

    produce(worker_env, lines)

    def stored_all() -> bool:
        response = _get(f"{base}/metrics")
        return response is not None and _metric(response.text, "sociallisten_events_stored_total") == len(
            result.enriched)

    _wait(stored_all, 180, f"events_stored_total to reach {len(result.enriched)}")
    metrics = httpx.get(f"{base}/metrics").text
    assert _metric(metrics, "sociallisten_events_consumed_total") == len(lines)
    for reason, n in reasons.items():
        assert _metric(metrics, "sociallisten_dead_letters_total", f'reason="{reason}"') == n, reason
    assert _metric(metrics, "sociallisten_batch_seconds_count", 'stage="write"') >= 1
    assert _metric(metrics, "sociallisten_clickhouse_insert_seconds_count") >= 1
    lag = lambda: re.findall(r'^sociallisten_consumer_lag\{partition="\d+",topic="([^"]+)"\} ([0-9.e+-]+)$',  # noqa: E731
                             httpx.get(f"{base}/metrics").text, re.MULTILINE)
    mentions = (f"{worker_env.prefix}posts", f"{worker_env.prefix}comments")
    _wait(lambda: len([t for t, _ in lag() if t in mentions]) == 8 and all(float(v) == 0 for _, v in lag()), 60,
          "consumer lag of the 8 mention partitions (and of the tracking topics' ones) to be 0")
    sample_text = result.enriched[0].event.text
    assert sample_text[:20] not in httpx.get(f"{base}/metrics").text, "metrics carry no content"

    clickhouse_server.stop()
    try:
        took = _wait(lambda: (r := _get(f"{base}/readyz")) is not None and r.status_code == 503, 10,
                     "/readyz to answer 503 after ClickHouse stopped")
        body = httpx.get(f"{base}/readyz").json()
        assert any(reason.startswith("clickhouse:") for reason in body["reasons"]), body
        assert httpx.get(f"{base}/healthz").status_code == 200, "the process stays alive"
        assert took <= 10
    finally:
        clickhouse_server.start()
    _wait(lambda: (r := _get(f"{base}/readyz")) is not None and r.status_code == 200, 30,
          "/readyz to say ready again once ClickHouse is back")
    assert worker.alive()
