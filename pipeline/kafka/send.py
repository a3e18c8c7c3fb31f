"""Sending through the worker's Faust producer, with Kafka's errors wrapped like storage errors.

A send is done when the broker acknowledged it. Every failure of the client (no leader, request
timed out, connection lost) becomes :class:`~pipeline.errors.BrokerUnavailable`, which the retry
policy (:mod:`pipeline.retry`) retries; the caller never sees a client-specific exception.
"""

from __future__ import annotations

from aiokafka.errors import KafkaError
from faust.types import TopicT

from pipeline.errors import BrokerUnavailable

KAFKA_FAILURES: tuple[type[BaseException], ...] = (KafkaError, TimeoutError, ConnectionError)
"""What the Kafka client raises when the broker did not take a message (worth sending again)."""


async def send_acknowledged(topic: TopicT, key: bytes | None, value: bytes) -> None:
    """Send one message and wait for the broker's acknowledgement; BrokerUnavailable if it does not come."""
    try:
        pending = await topic.send(key=key, value=value)
        await pending
    except KAFKA_FAILURES as exc:
        raise BrokerUnavailable(
            f"Kafka did not acknowledge a message to {topic.get_topic_name()} ({type(exc).__name__}: {exc}); "
            "check that the broker is up and SOCIALLISTEN_PRODUCE_TIMEOUT"
        ) from exc
