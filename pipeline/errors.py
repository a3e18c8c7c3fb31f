"""One exception root for the project; every module raises a subclass of it."""

from __future__ import annotations

from schemas.deadletter import Stage


class SocialListenError(Exception):
    """Root of all errors raised by this project."""


class ConfigError(SocialListenError):
    """A setting is missing or invalid; the message names the environment variable."""


class LexiconError(SocialListenError):
    """The brand lexicon file cannot be used; the message names the file and the entry."""


class BrokerError(SocialListenError):
    """The Kafka broker cannot be started or reached."""


class StorageError(SocialListenError):
    """ClickHouse rejected a statement (permanent: retrying the same statement will not help)."""


class StorageUnavailable(StorageError):
    """ClickHouse cannot be reached right now (transient: retry with backoff)."""


class EventRejected(SocialListenError):
    """An event cannot be processed; it goes to the dead-letter topic with ``reason`` and ``stage``."""

    def __init__(self, reason: str, message: str, stage: Stage = Stage.validate) -> None:
        super().__init__(message)
        self.reason = reason
        self.stage = stage
        self.message = message
