"""One exception tree for the project; every module raises a subclass of :class:`SocialListenError`.

Failures worth retrying carry the :class:`Transient` marker: the same operation is expected to
work later (ClickHouse unreachable, Kafka not acknowledging). :mod:`pipeline.retry` retries
exactly those, with one backoff policy; anything else is permanent and reported at once.

::

    SocialListenError
    ├── ConfigError            a setting is missing or invalid
    ├── LexiconError           the brand lexicon cannot be used
    ├── BrokerError            Kafka could not be started, reached or used
    │   └── BrokerUnavailable  (Transient) the broker did not answer or acknowledge in time
    ├── StorageError           ClickHouse failed a statement (permanent unless Transient)
    │   └── StorageUnavailable (Transient) ClickHouse unreachable, busy or out of resources now
    └── EventRejected          an event cannot be processed: it is dead-lettered
"""

from __future__ import annotations

from schemas.deadletter import Stage


class SocialListenError(Exception):
    """Root of all errors raised by this project."""


class Transient(SocialListenError):
    """Marker: the operation may succeed if repeated later; :mod:`pipeline.retry` retries it."""


class ConfigError(SocialListenError):
    """A setting is missing or invalid; the message names the environment variable."""


class LexiconError(SocialListenError):
    """The brand lexicon file cannot be used; the message names the file and the entry."""


class BrokerError(SocialListenError):
    """The Kafka broker cannot be started, reached or used."""


class BrokerUnavailable(BrokerError, Transient):
    """Kafka did not answer or acknowledge in time (transient: retry with backoff)."""


class StorageError(SocialListenError):
    """ClickHouse failed a statement; permanent (the same statement fails again) unless also Transient."""


class StorageUnavailable(StorageError, Transient):
    """ClickHouse cannot be reached, is busy or short of resources right now (transient: retry with backoff)."""


class EventRejected(SocialListenError):
    """An event cannot be processed; it goes to the dead-letter topic with ``reason`` and ``stage``."""

    def __init__(self, reason: str, message: str, stage: Stage = Stage.validate) -> None:
        """Name the rejection ``reason`` (a short code), a human ``message`` and the ``stage`` that failed."""
        super().__init__(message)
        self.reason = reason
        self.stage = stage
        self.message = message
