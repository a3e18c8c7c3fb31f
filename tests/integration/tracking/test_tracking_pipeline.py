"""Acceptance 1 of issue 26: clicks, visits and orders through Kafka, the worker and ClickHouse, replayed.

1,000 clicks, 600 page views with dwell and 50 orders (plus one whose only click is older than the
attribution window) are produced three times (clicks and visits) or imported twice from CSV
(orders): the funnel is exact, and the stale order is unattributed. Bad messages on each topic
become dead letters with their reasons.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.kafka.producer import make_producer
from pipeline.kafka.topics import Topics
from pipeline.storage import connect
from pipeline.storage.migrate import migrate
from pipeline.tracking import funnel as funnel_module
from pipeline.tracking.produce import send_events
from tests.integration.expect import wait_until
from tests.integration.tracking.funnel_data import CAMPAIGN, expected, make_links, middle, stream

pytestmark = pytest.mark.integration

BAD = {"clicks": b'{"code": "abcd"}', "visits": b"not json", "conversions": b'{"order_id": "a b", "amount_cents": -1}'}


def _csv(orders: list, path: Path) -> Path:  # type: ignore[type-arg]
    lines = ["order_id,time,amount,currency,visitor_id"]
    lines += [f"{o.order_id},{o.ordered_at.isoformat()},{o.amount_cents / 100:.2f},{o.currency},{o.visitor_id}"
              for o in orders]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _counts(ch) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    row = ch.query("SELECT (SELECT count() FROM clicks FINAL) AS c, (SELECT count() FROM visits FINAL) AS v, "
                   "(SELECT count() FROM conversions FINAL) AS o, "
                   "(SELECT uniqExact(dl_id) FROM dead_letters WHERE stage IN ('decode', 'validate')) AS d")[0]
    return int(row["c"]), int(row["v"]), int(row["o"]), int(row["d"])


def test_funnel_through_kafka_and_the_worker_is_exact_under_replay(worker_env, start_worker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ch = connect(worker_env.clickhouse_url)
    try:
        migrate(ch)
        done = worker_env.run("links", "create", "--url", "https://shop.example.com/a?x=1", "--campaign", CAMPAIGN,
                              "--post", "weibo:999", "--account", "kol9", "--base-url", "https://t.example.com")
        assert done.returncode == 0, done.stderr
        made = json.loads(done.stdout)
        assert made["link"] == f"https://t.example.com/l/{made['code']}" and made["target"].startswith("https://")
        codes = [made["code"], *make_links(ch, 2)]
        s = stream(codes)
        start_worker()
        topics = Topics.from_settings(Settings(kafka={"topic_prefix": worker_env.prefix}))  # type: ignore[arg-type]
        producer = make_producer(worker_env.kafka_url)
        try:
            for _ in range(3):  # sent once, then replayed twice
                send_events(producer, topics, [*s.clicks, *s.visits])
            for short, raw in BAD.items():
                producer.send(getattr(topics, short), raw).get(timeout=30)
            producer.flush()
        finally:
            producer.close()
        orders = _csv(s.conversions, tmp_path / "orders.csv")
        for _ in range(2):
            done = worker_env.run("conversions", "import", str(orders))
            assert done.returncode == 0, done.stderr
        want = expected(s)
        target = (want.clicks, len(s.visits), want.orders + want.unattributed, len(BAD))
        wait_until(lambda: _counts(ch) == target, 120, f"clicks, beacons, orders and dead letters = {target}",
                   diagnose=lambda: str(_counts(ch)))
        [row] = funnel_module.funnel(ch, by="campaign", campaign=CAMPAIGN, days=Settings().tracking.attribution_days)
        assert (row.clicks, row.bot_clicks, row.visitors, row.engaged_visitors, row.orders) == (
            want.clicks, want.bot_clicks, want.visitors, want.engaged, want.orders)
        assert round(row.revenue * 100) == want.revenue_cents
        assert row.median_seconds_on_site in middle(want.dwell_ms, 0.5)
        assert funnel_module.unattributed(ch, days=7) == {"orders": 1, "revenue": s.conversions[-1].amount_cents / 100}
        reasons = {r["source_topic"]: r["reason"] for r in ch.query("SELECT source_topic, reason FROM dead_letters")}
        assert reasons == {topics.clicks: "missing_field", topics.visits: "invalid_json",
                           topics.conversions: "validation"}
    finally:
        ch.close()
