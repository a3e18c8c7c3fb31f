"""Send tracking events to their topics with a kafka-python producer (demo, tests, CSV import)."""

from __future__ import annotations

from collections.abc import Iterable

from kafka import KafkaProducer

from pipeline.kafka.producer import Deliveries
from pipeline.kafka.topics import Topics
from schemas.tracking import ClickEvent, ConversionEvent, VisitEvent

TrackingEvent = ClickEvent | VisitEvent | ConversionEvent


def topic_and_key(event: TrackingEvent, topics: Topics) -> tuple[str, bytes]:
    """The topic of an event and its key (a visitor's clicks and visits share a partition; orders by id)."""
    if isinstance(event, ClickEvent):
        return topics.clicks, event.visitor_id.encode()
    if isinstance(event, VisitEvent):
        return topics.visits, event.visitor_id.encode()
    return topics.conversions, event.order_id.encode()


def send_events(producer: KafkaProducer, topics: Topics, events: Iterable[TrackingEvent]) -> int:
    """Send every event and wait until Kafka acknowledged all of them (BrokerError if not); how many."""
    deliveries = Deliveries(producer)
    sent = 0
    for event in events:
        topic, key = topic_and_key(event, topics)
        deliveries.send(topic, event.model_dump_json().encode(), key=key)
        sent += 1
    deliveries.finish()
    return sent
