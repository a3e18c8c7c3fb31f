"""Replay checks every send against a real Tansu broker.

A broker that stops answering is an error naming how many events were not acknowledged, not a
silent success.
"""

from __future__ import annotations

import pytest

from pipeline.config import KafkaSettings, Settings
from pipeline.errors import BrokerError
from pipeline.kafka.producer import make_producer, replay
from pipeline.kafka.topics import Topics, ensure_topics
from pipeline.local.broker import EmbeddedBroker
from pipeline.sample import generate_events

pytestmark = pytest.mark.integration

FAST_FAILING = {"request_timeout_ms": 1000, "delivery_timeout_ms": 2500, "max_block_ms": 2000,
                "retries": 1, "reconnect_backoff_max_ms": 300, "linger_ms": 0}


def test_replay_raises_when_the_broker_stops_acknowledging(tmp_path) -> None:  # type: ignore[no-untyped-def]
    lines = list(generate_events(60, seed=5))
    settings = Settings(kafka=KafkaSettings(topic_prefix="delivery.", partitions=2))
    topics = Topics.from_settings(settings)
    broker = EmbeddedBroker(log_path=tmp_path / "tansu.log").start()
    producer = make_producer(broker.bootstrap, **FAST_FAILING)
    try:
        ensure_topics(broker.bootstrap, settings)
        first = replay(lines[:30], producer, topics)
        assert (first.sent, first.resent) == (30, 0)
        broker.stop()
        with pytest.raises(BrokerError, match=r"30 messages .* not acknowledged by Kafka after 3 attempts"):
            replay(lines[30:], producer, topics)
    finally:
        producer.close(timeout=2)
        broker.stop()
