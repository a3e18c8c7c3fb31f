"""Static group membership is used only where the broker supports it (pure decision, no broker)."""

from __future__ import annotations

import pytest

from pipeline.config import KafkaSettings
from pipeline.kafka.membership import BrokerFacts, choose, fallback_reason


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (BrokerFacts(9, "MkU3OEVBNTcwNTJENDM2Qk"), ""),
        (BrokerFacts(5, None), ""),
        (BrokerFacts(4, "kafka-cluster"), "JoinGroup goes up to v4"),
        (BrokerFacts(None, None), "API versions are unknown"),
        (BrokerFacts(9, "tansu_cluster"), "the broker is Tansu"),
    ],
)
def test_static_membership_needs_join_group_v5_and_a_broker_other_than_tansu(facts: BrokerFacts, reason: str) -> None:
    found = fallback_reason(facts)
    assert (found == "") if not reason else (reason in found)


def test_choose_keeps_the_instance_id_only_where_it_works(caplog: pytest.LogCaptureFixture) -> None:
    kafka = KafkaSettings(group_instance_id="worker-1")
    assert choose(kafka, BrokerFacts(9, "kafka")).group_instance_id == "worker-1"
    fallen = choose(kafka, BrokerFacts(9, "tansu_cluster"))
    assert fallen.group_instance_id is None
    assert "SOCIALLISTEN_GROUP_INSTANCE_ID is ignored: the broker is Tansu" in caplog.text
    dynamic = KafkaSettings()
    assert choose(dynamic, BrokerFacts(None, None)) is dynamic
