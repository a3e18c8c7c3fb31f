"""Producing events to Kafka with kafka-python: replay of JSON-lines files and connectors.

Each line is routed by a light look at its JSON (``kind`` picks the topic, ``root_id``
or ``id`` is the key) without full validation: invalid lines are produced too, so the
worker dead-letters them with the reason instead of the producer dropping them silently.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson
from kafka import KafkaProducer
from kafka.partitioner import murmur2

from pipeline.kafka.topics import Topics, bootstrap_servers

log = logging.getLogger(__name__)


@dataclass
class ReplayStats:
    """What a replay sent."""

    sent: int = 0
    posts: int = 0
    comments: int = 0
    unroutable: int = 0  # not a JSON object: sent to the posts topic without a key
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Events per second."""
        return self.sent / self.seconds if self.seconds > 0 else 0.0


def route(line: bytes, topics: Topics) -> tuple[str, bytes | None]:
    """(topic, key) for one raw line; keyed by thread so a thread stays in one partition."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return topics.posts, None
    if not isinstance(obj, dict):
        return topics.posts, None
    kind = obj.get("kind")
    key = obj.get("root_id") or obj.get("id")
    topic = topics.for_kind(kind if isinstance(kind, str) else None)
    return topic, key.encode("utf-8", "surrogatepass") if isinstance(key, str) else None


def make_producer(bootstrap: str, **overrides: object) -> KafkaProducer:
    """A kafka-python producer tuned for throughput with acks from all replicas."""
    config: dict[str, object] = {
        "bootstrap_servers": bootstrap_servers(bootstrap).split(","),
        "acks": "all",
        "linger_ms": 5,
        "batch_size": 64 * 1024,
        "max_in_flight_requests_per_connection": 5,
        "max_request_size": 4 * 1024 * 1024,
        "retries": 10,
        "client_id": "sociallisten-replay",
    }
    config.update(overrides)
    return KafkaProducer(**config)  # type: ignore[arg-type]


def partition_for(key: bytes | None, partitions: int) -> int:
    """The partition Kafka's default partitioner picks for ``key`` (murmur2), 0 for no key."""
    if key is None:
        return 0
    return (murmur2(key) & 0x7FFFFFFF) % partitions


class Packer:
    """Packs events bound for the same (topic, partition) into one JSON-lines message.

    A thread's events land in the partition their key hashes to, exactly as unpacked
    messages would, so co-partitioning of threads is kept.
    """

    def __init__(self, producer: KafkaProducer, pack: int) -> None:
        self.producer = producer
        self.pack = pack
        self._buffers: dict[tuple[str, int], list[bytes]] = {}
        self._partitions: dict[str, int] = {}

    def add(self, topic: str, key: bytes | None, line: bytes) -> None:
        """Queue one event; a full buffer is sent at once."""
        if topic not in self._partitions:
            found = self.producer.partitions_for(topic)
            self._partitions[topic] = len(found) if found else 1
        slot = (topic, partition_for(key, self._partitions[topic]))
        buffer = self._buffers.setdefault(slot, [])
        buffer.append(line)
        if len(buffer) >= self.pack:
            self._send(slot)

    def _send(self, slot: tuple[str, int]) -> None:
        lines = self._buffers.pop(slot, [])
        if lines:
            self.producer.send(slot[0], value=b"\n".join(lines), partition=slot[1])

    def flush(self) -> None:
        """Send every partial buffer."""
        for slot in list(self._buffers):
            self._send(slot)


def replay(
    lines: Iterable[bytes],
    producer: KafkaProducer,
    topics: Topics,
    *,
    rate: float | None = None,
    on_sent: Callable[[int], None] | None = None,
    pack: int = 1,
) -> ReplayStats:
    """Send each non-empty line as one message (or ``pack`` lines per message); ``rate`` caps events/s.

    Returns after every message is acknowledged by the broker.
    """
    stats = ReplayStats()
    packer = Packer(producer, pack) if pack > 1 else None
    start = time.monotonic()
    interval = 1.0 / rate if rate else 0.0
    for raw in lines:
        line = raw.rstrip(b"\r\n")
        if not line:
            continue
        topic, key = route(line, topics)
        if key is None and topic == topics.posts:
            stats.unroutable += 1
        if packer is not None:
            packer.add(topic, key, line)
        else:
            producer.send(topic, key=key, value=line)
        stats.sent += 1
        if topic == topics.comments:
            stats.comments += 1
        else:
            stats.posts += 1
        if on_sent is not None:
            on_sent(1)
        if interval:
            ahead = start + stats.sent * interval - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    if packer is not None:
        packer.flush()
    producer.flush()
    stats.seconds = time.monotonic() - start
    log.info("replayed %d events in %.1f s (%.0f/s)", stats.sent, stats.seconds, stats.rate)
    return stats
