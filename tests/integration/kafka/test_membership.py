"""Group membership against the real broker (the session's Tansu): the static fallback and leaving on stop."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from kafka.admin import KafkaAdminClient, NewTopic

from pipeline.config import KafkaSettings
from pipeline.kafka.membership import probe, resolve
from pipeline.local.broker import EmbeddedBroker
from pipeline.worker.faust_tuning import leave_group_from_generation_0

pytestmark = pytest.mark.integration


def test_tansu_is_recognised_and_static_membership_falls_back_to_dynamic(
    kafka_broker: EmbeddedBroker, caplog: pytest.LogCaptureFixture
) -> None:
    facts = probe(kafka_broker.bootstrap, KafkaSettings())
    assert facts.join_group_max_version is not None and facts.join_group_max_version >= 5
    assert facts.cluster_id == "tansu_cluster"
    resolved = resolve(kafka_broker.bootstrap, KafkaSettings(group_instance_id="worker-a"))
    assert resolved.group_instance_id is None
    assert "using dynamic group membership" in caplog.text


async def _members(bootstrap: str, group: str) -> list[object]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        response = (await admin.describe_consumer_groups([group]))[0]
        return list(response.groups[0][-1])  # DescribeGroups: (error, group, state, protocol type, protocol, members)
    finally:
        await admin.close()


async def _join_and_stop(bootstrap: str, topic: str, group: str) -> int:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, session_timeout_ms=2000,
                                heartbeat_interval_ms=500, enable_auto_commit=False)
    await consumer.start()
    try:
        for _ in range(60):
            if consumer.assignment():
                break
            await asyncio.sleep(0.1)
        generation = consumer._coordinator.generation
    finally:
        await consumer.stop()  # a clean stop: LeaveGroup
    return int(generation)


def test_a_member_of_the_first_generation_leaves_the_group_on_a_clean_stop(kafka_broker: EmbeddedBroker) -> None:
    leave_group_from_generation_0()
    topic, group = f"leave.{uuid.uuid4().hex[:8]}", f"leave-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    try:
        admin.create_topics([NewTopic(topic, 2, 1)])
        generation = asyncio.run(_join_and_stop(kafka_broker.bootstrap, topic, group))
        assert generation == 0, "Tansu numbers a group's first generation 0 (the case aiokafka does not leave)"
        members = asyncio.run(_members(kafka_broker.bootstrap, group))
        assert members == [], f"the stopped member is still in the group: {members}"
    finally:
        admin.close()
