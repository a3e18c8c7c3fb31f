"""Topic names, routing and creation.

Posts (including reposts and articles) and comments go to two topics with the same
partition count, both keyed by the thread id (the root post's id), so all events of
one thread meet in one partition and so in one worker.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from pipeline.config import Settings
from pipeline.errors import BrokerError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Topics:
    """The project's topic names for one settings object."""

    posts: str
    comments: str
    deadletter: str
    alerts: str
    cases: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Topics:
        """Names built from ``SOCIALLISTEN_TOPIC_PREFIX``."""
        return cls(
            posts=settings.topic("posts"),
            comments=settings.topic("comments"),
            deadletter=settings.topic("deadletter"),
            alerts=settings.topic("alerts"),
            cases=settings.topic("cases"),
        )

    @property
    def inputs(self) -> tuple[str, str]:
        """Topics the worker consumes."""
        return (self.posts, self.comments)

    def all(self) -> tuple[str, ...]:
        """Every topic the project uses."""
        return (self.posts, self.comments, self.deadletter, self.alerts, self.cases)

    def for_kind(self, kind: str | None) -> str:
        """Topic of an event of this kind (comments apart, everything else is a post)."""
        return self.comments if kind == "comment" else self.posts


def bootstrap_servers(url: str) -> str:
    """Strip an optional ``kafka://`` scheme: 'kafka://a:9092,b:9092' -> 'a:9092,b:9092'."""
    return url.removeprefix("kafka://").strip("/")


def ensure_topics(bootstrap: str, settings: Settings, timeout: float = 30.0) -> Topics:
    """Create the project's topics if missing (idempotent) and return their names."""
    topics = Topics.from_settings(settings)
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id=f"{settings.kafka.app_id}-admin")
        except KafkaError as exc:
            last_error = exc
            time.sleep(0.5)
            continue
        try:
            existing = set(admin.list_topics())
            missing = [
                NewTopic(name=name, num_partitions=settings.kafka.partitions, replication_factor=settings.kafka.replication_factor)
                for name in topics.all()
                if name not in existing
            ]
            if missing:
                try:
                    admin.create_topics(missing)
                except TopicAlreadyExistsError:
                    pass
                log.info("created topics %s", ", ".join(t.name for t in missing))
            return topics
        except KafkaError as exc:
            last_error = exc
            time.sleep(0.5)
        finally:
            admin.close()
    raise BrokerError(f"could not create topics on {bootstrap} within {timeout:.0f} s: {last_error}")
