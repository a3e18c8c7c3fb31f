"""Acceptance 2, the outage: ``/l/{code}`` keeps redirecting while Kafka is down, and no click is lost.

The clicks made meanwhile reach Kafka once it is back (the 30-second outage is ``python -m
pipeline.bench.links --outage 30``).

The broker's process is stopped (SIGSTOP) and continued (SIGCONT): a memory-only Tansu that is killed and
started again comes back without topics, and it acknowledges a produce to a topic it does not have without
storing it, so a real restart would lose clicks in the broker, not in the outbox.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest

from pipeline.config import Settings
from pipeline.kafka.topics import ensure_topics
from pipeline.local.broker import EmbeddedBroker
from pipeline.storage import connect
from pipeline.storage.migrate import migrate
from pipeline.tracking.links import create_link
from schemas.tracking import LinkIn
from tests.integration.tracking.web_app import read_messages, tracking_app

pytestmark = pytest.mark.integration


def test_clicks_made_while_kafka_is_down_are_sent_when_it_is_back(tmp_path: Path) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}."
    settings = Settings(kafka={"topic_prefix": prefix})  # type: ignore[arg-type]
    broker = EmbeddedBroker(log_path=tmp_path / "tansu.log").start()
    ch = connect(f"chdb://{tmp_path / 'chdb'}")
    try:
        migrate(ch)
        ensure_topics(broker.bootstrap, settings)
        code = create_link(ch, LinkIn(url="https://shop.example.com/", campaign="c"), "test").code
        app, outbox, topics = tracking_app(ch, broker.bootstrap, prefix)

        async def scenario() -> list[int]:
            statuses = []
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
                for _ in range(20):
                    statuses.append((await client.get(f"/l/{code}")).status_code)
                assert await outbox.drain(30), "the first clicks were not sent"
                broker.pause()  # Kafka is down: no answer to anything
                for _ in range(50):
                    statuses.append((await client.get(f"/l/{code}")).status_code)
                await asyncio.sleep(6)  # the outbox's sends time out (5 s) and are queued again
                assert outbox.pending == 50 and outbox.retries > 0  # queued, none lost, none acknowledged
                broker.resume()
                assert await outbox.drain(60), f"{outbox.pending} clicks still waiting for Kafka"
                await outbox.close()
            return statuses

        statuses = asyncio.run(scenario())
        assert statuses == [302] * 70
        assert outbox.dropped == 0
        clicks = asyncio.run(read_messages(broker.bootstrap, topics.clicks, 70, timeout=20))
        assert len(clicks) == 70  # every click, those of the outage included (distinct: a resend may repeat one)
    finally:
        ch.close()
        broker.resume()
        broker.stop()
