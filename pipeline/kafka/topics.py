"""Topic names, routing and creation.

Posts (including reposts and articles) and comments go to two topics with the same
partition count, both keyed by the thread id (the root post's id), so all events of
one thread meet in one partition and so in one worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from pipeline.config import Settings
from pipeline.errors import BrokerError, BrokerUnavailable
from pipeline.kafka.security import kafka_python_options
from pipeline.retry import RetryPolicy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Topics:
    """The project's topic names for one settings object."""

    posts: str
    comments: str
    deadletter: str
    alerts: str
    cases: str
    live: str
    clicks: str = ""
    visits: str = ""
    conversions: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> Topics:
        """Names built from ``SOCIALLISTEN_TOPIC_PREFIX``."""
        return cls(
            posts=settings.topic("posts"),
            comments=settings.topic("comments"),
            deadletter=settings.topic("deadletter"),
            alerts=settings.topic("alerts"),
            cases=settings.topic("cases"),
            live=settings.topic("live"),
            clicks=settings.topic("clicks"),
            visits=settings.topic("visits"),
            conversions=settings.topic("conversions"),
        )

    @property
    def inputs(self) -> tuple[str, str]:
        """Topics the worker consumes."""
        return (self.posts, self.comments)

    @property
    def tracking(self) -> dict[str, str]:
        """The tracking topics (deep tracking: clicks, visits, conversions): full name -> short name."""
        return {name: short for short, name in
                (("clicks", self.clicks), ("visits", self.visits), ("conversions", self.conversions)) if name}

    @property
    def consumed(self) -> tuple[str, ...]:
        """Every topic the worker's batches come from: the inputs and the tracking topics."""
        return (*self.inputs, *self.tracking)

    def all(self) -> tuple[str, ...]:
        """Every topic the project uses."""
        return (self.posts, self.comments, self.deadletter, self.alerts, self.cases, self.live, *self.tracking)

    def for_kind(self, kind: str | None) -> str:
        """Topic of an event of this kind (comments apart, everything else is a post)."""
        return self.comments if kind == "comment" else self.posts


def bootstrap_servers(url: str) -> str:
    """Strip an optional ``kafka://`` scheme: 'kafka://a:9092,b:9092' -> 'a:9092,b:9092'."""
    return url.removeprefix("kafka://").strip("/")


def ensure_topics(bootstrap: str, settings: Settings, timeout: float = 30.0) -> Topics:
    """Create the project's topics if missing (idempotent) and return their names.

    The broker may still be starting: unreachable, it is tried again under the retry policy for
    ``timeout`` seconds, after which BrokerError names it.
    """
    topics = Topics.from_settings(settings)
    policy = RetryPolicy(first_seconds=0.5, max_seconds=2.0, within_seconds=timeout)
    try:
        policy.call_blocking(f"creating topics on {bootstrap}", _create_missing, bootstrap, settings, topics)
    except BrokerUnavailable as exc:
        raise BrokerError(f"could not create topics on {bootstrap} within {timeout:.0f} s: {exc}; check "
                          "SOCIALLISTEN_KAFKA_URL and that the broker is running") from None
    return topics


def _create_missing(bootstrap: str, settings: Settings, topics: Topics) -> None:
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id=f"{settings.kafka.app_id}-admin",
                                 **kafka_python_options(settings.kafka))
    except KafkaError as exc:
        raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
    try:
        existing = set(admin.list_topics())
        missing = [
            NewTopic(name=name, num_partitions=settings.kafka.partitions,
                     replication_factor=settings.kafka.replication_factor)
            for name in topics.all()
            if name not in existing
        ]
        if missing:
            try:
                admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass
            log.info("created topics %s", ", ".join(t.name for t in missing))
    except KafkaError as exc:
        raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
    finally:
        admin.close()
