"""Producing events to Kafka with kafka-python: replay of JSON-lines files and connectors.

Each line is routed by a light look at its JSON (``kind`` picks the topic, ``root_id``
or ``id`` is the key) without full validation: invalid lines are produced too, so the
worker dead-letters them with the reason instead of the producer dropping them silently.

Every send is checked: kafka-python's ``flush()`` returns even when a message failed
for good (its retries spent), so :class:`Deliveries` records each failure, sends those
messages again, and raises :class:`BrokerError` if some are still not acknowledged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson
from kafka import KafkaProducer
from kafka.errors import KafkaError
from kafka.partitioner import murmur2

from pipeline.config import KafkaSettings
from pipeline.errors import BrokerError
from pipeline.kafka.security import kafka_python_options
from pipeline.kafka.topics import Topics, bootstrap_servers

log = logging.getLogger(__name__)


PACE_SECONDS = 0.02
"""A paced replay sleeps once it is this far ahead of its rate: in steps of about 20 ms, not after
every event. At 1,500 events/s on the development machine, sleeping after every event (every
0.7 ms) cost the replay 0.56 of a core, 20 ms steps 0.31 (README, Benchmark)."""


@dataclass
class ReplayStats:
    """What a replay sent."""

    sent: int = 0
    posts: int = 0
    comments: int = 0
    unroutable: int = 0  # not a JSON object: sent to the posts topic without a key
    resent: int = 0  # messages Kafka did not acknowledge at first, sent again
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


def make_producer(bootstrap: str, *, kafka: KafkaSettings | None = None, **overrides: object) -> KafkaProducer:
    """A kafka-python producer tuned for throughput with acks from all replicas.

    ``kafka`` (the settings' Kafka section) adds the security options (SSL, SASL) of every client,
    and its ``produce_timeout`` bounds how long reaching a broker may take (kafka-python's bootstrap
    wait; 30 s by default, as kafka-python's own).
    """
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
    if kafka is not None:
        config.update(kafka_python_options(kafka), bootstrap_timeout_ms=int(kafka.produce_timeout * 1000))
    config.update(overrides)
    try:
        return KafkaProducer(**config)
    except KafkaError as exc:  # kafka-python bootstraps here: no broker answered
        raise BrokerError(
            f"cannot reach Kafka at {bootstrap} ({exc}); check SOCIALLISTEN_KAFKA_URL "
            "and that the broker is running"
        ) from exc


def partition_for(key: bytes | None, partitions: int) -> int:
    """The partition Kafka's default partitioner picks for ``key`` (murmur2), 0 for no key."""
    if key is None:
        return 0
    return int((murmur2(key) & 0x7FFFFFFF) % partitions)


@dataclass(frozen=True, slots=True)
class _Message:
    topic: str
    value: bytes
    key: bytes | None = None
    partition: int | None = None


class Deliveries:
    """Sends through a producer and keeps every message the broker did not acknowledge.

    kafka-python reports a failed send only to the send's future (on its I/O thread);
    :meth:`finish` flushes, sends the failed messages again, and raises if any is still
    unacknowledged after ``attempts`` rounds. A message sent again can land after later
    ones of its partition: the pipeline's tables are idempotent, so order does not matter.
    """

    def __init__(self, producer: KafkaProducer, attempts: int = 3) -> None:
        self.producer = producer
        self.attempts = attempts
        self._failed: list[tuple[_Message, BaseException]] = []
        self._refused: BaseException | None = None  # a send raised: the rest of this round is not tried

    def send(self, topic: str, value: bytes, key: bytes | None = None, partition: int | None = None) -> None:
        """Send one message; a failure is recorded for :meth:`finish`."""
        self._send(_Message(topic, value, key, partition))

    def _send(self, message: _Message) -> None:
        if self._refused is not None:
            # kafka-python raised at once (typically no metadata within max_block_ms: the broker is
            # unreachable); trying each further message would block that long again
            self._failed.append((message, self._refused))
            return
        try:
            future = self.producer.send(message.topic, value=message.value, key=message.key,
                                        partition=message.partition)
        except Exception as exc:  # noqa: BLE001 - recorded and sent again like any failure
            self._refused = exc
            self._failed.append((message, exc))
            return
        future.add_errback(lambda exc: self._failed.append((message, exc)))

    def finish(self) -> int:
        """Flush; send failed messages again; return how many needed another send.

        Raises :class:`BrokerError` when messages are still unacknowledged after every attempt.
        """
        resent = 0
        for attempt in range(1, self.attempts + 1):
            self.producer.flush()
            if not self._failed:
                return resent
            failed, self._failed = self._failed, []
            if attempt == self.attempts:
                self._failed = failed
                break
            log.warning("Kafka did not acknowledge %d messages (%s: %s); sending them again (attempt %d of %d)",
                        len(failed), type(failed[-1][1]).__name__, failed[-1][1], attempt + 1, self.attempts)
            resent += len(failed)
            self._refused = None
            for message, _ in failed:
                self._send(message)
        message, exc = self._failed[-1]
        raise BrokerError(
            f"{len(self._failed)} messages (the last to topic {message.topic}) were not acknowledged by Kafka "
            f"after {self.attempts} attempts: {type(exc).__name__}: {exc}. Check that the broker is reachable "
            "and accepts messages of this size, then replay the file again (replays are idempotent)."
        )


class Packer:
    """Packs events bound for the same (topic, partition) into one JSON-lines message.

    A thread's events land in the partition their key hashes to, exactly as unpacked
    messages would, so co-partitioning of threads is kept.
    """

    def __init__(self, deliveries: Deliveries, pack: int) -> None:
        self.producer = deliveries.producer
        self.deliveries = deliveries
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
            self.deliveries.send(slot[0], b"\n".join(lines), partition=slot[1])

    def flush(self) -> None:
        """Send every partial buffer."""
        for slot in list(self._buffers):
            self._send(slot)


def message_bytes(line: bytes) -> bytes:
    """What :func:`replay` sends for one input line: the line without its trailing CR and LF bytes.

    Lines read from a file keep no terminator (``splitlines``); a caller's lines may. A message
    that ends in those bytes is therefore sent without them (its dead letter, if any, holds what
    was sent).
    """
    return line.rstrip(b"\r\n")


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

    Returns after every message is acknowledged by the broker; raises :class:`BrokerError`
    when some are not, even after sending them again.
    """
    stats = ReplayStats()
    deliveries = Deliveries(producer)
    packer = Packer(deliveries, pack) if pack > 1 else None
    start = time.monotonic()
    interval = 1.0 / rate if rate else 0.0
    for raw in lines:
        line = message_bytes(raw)
        if not line:
            continue
        topic, key = route(line, topics)
        if key is None and topic == topics.posts:
            stats.unroutable += 1
        if packer is not None:
            packer.add(topic, key, line)
        else:
            deliveries.send(topic, line, key=key)
        stats.sent += 1
        if topic == topics.comments:
            stats.comments += 1
        else:
            stats.posts += 1
        if on_sent is not None:
            on_sent(1)
        if interval:
            ahead = start + stats.sent * interval - time.monotonic()
            if ahead > PACE_SECONDS:
                time.sleep(ahead)
    if packer is not None:
        packer.flush()
    stats.resent = deliveries.finish()
    stats.seconds = time.monotonic() - start
    log.info("replayed %d events in %.1f s (%.0f/s)", stats.sent, stats.seconds, stats.rate)
    return stats
