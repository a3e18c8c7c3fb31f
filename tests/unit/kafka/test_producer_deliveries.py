"""Checked sends: a message Kafka does not acknowledge is sent again, and reported if it never is.

A scripted stand-in for kafka-python's producer (pure logic: which sends fail is decided up
front); the same behaviour against a real, stopped broker is in tests/integration/test_replay_delivery.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError
from kafka.producer.future import FutureProduceResult, FutureRecordMetadata

from pipeline.errors import BrokerError
from pipeline.kafka.producer import Deliveries


class _ScriptedProducer:
    """Fails the n-th send of a value as often as ``fail`` says; records what was acknowledged."""

    def __init__(self, fail: dict[bytes, int]) -> None:
        self.fail = dict(fail)
        self.acked: list[bytes] = []
        self.pending: list[tuple[FutureProduceResult, bytes]] = []

    def send(self, topic: str, value: bytes, key: bytes | None = None, partition: int | None = None) -> Any:
        result = FutureProduceResult(None)
        self.pending.append((result, value))
        return FutureRecordMetadata(result, 0, -1, None, None, len(value), -1)

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        for result, value in pending:
            if self.fail.get(value, 0) > 0:
                self.fail[value] -= 1
                result.failure(KafkaTimeoutError("batch expired"))
            else:
                self.acked.append(value)
                result.success((0, 0, 0))


def test_every_message_acknowledged_needs_no_resend() -> None:
    producer = _ScriptedProducer({})
    deliveries = Deliveries(producer)  # type: ignore[arg-type]
    for v in (b"a", b"b", b"c"):
        deliveries.send("t", v)
    assert deliveries.finish() == 0
    assert producer.acked == [b"a", b"b", b"c"]


def test_a_failed_message_is_sent_again_and_counted() -> None:
    producer = _ScriptedProducer({b"b": 1, b"c": 2})
    deliveries = Deliveries(producer, attempts=3)  # type: ignore[arg-type]
    for v in (b"a", b"b", b"c"):
        deliveries.send("t", v)
    assert deliveries.finish() == 3  # b once, c twice
    assert sorted(producer.acked) == [b"a", b"b", b"c"]


def test_a_message_never_acknowledged_raises_naming_the_count_and_cause() -> None:
    producer = _ScriptedProducer({b"b": 5})
    deliveries = Deliveries(producer, attempts=3)  # type: ignore[arg-type]
    for v in (b"a", b"b"):
        deliveries.send("t", v)
    with pytest.raises(BrokerError, match=r"1 messages .* by Kafka after 3 attempts: KafkaTimeoutError"):
        deliveries.finish()
    assert producer.acked == [b"a"]


class _RefusingProducer(_ScriptedProducer):
    """``send`` itself raises (as kafka-python does without metadata) for the first ``refusals`` calls."""

    def __init__(self, refusals: int) -> None:
        super().__init__({})
        self.refusals = refusals
        self.calls = 0

    def send(self, topic: str, value: bytes, key: bytes | None = None, partition: int | None = None) -> Any:
        self.calls += 1
        if self.refusals > 0:
            self.refusals -= 1
            raise KafkaTimeoutError("Failed to update metadata after 2.0 secs.")
        return super().send(topic, value, key, partition)


def test_a_refused_send_skips_the_rest_of_the_round_and_they_are_sent_again() -> None:
    producer = _RefusingProducer(refusals=1)
    deliveries = Deliveries(producer)  # type: ignore[arg-type]
    for v in (b"a", b"b", b"c"):
        deliveries.send("t", v)
    assert producer.calls == 1  # b and c were not tried while the broker refused
    assert deliveries.finish() == 3
    assert sorted(producer.acked) == [b"a", b"b", b"c"]
