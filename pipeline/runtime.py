"""Wiring shared by the commands: settings overrides, the broker in force, storage set-up."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from pipeline.config import Settings, get_settings
from pipeline.kafka.broker import EmbeddedBroker
from pipeline.kafka.topics import bootstrap_servers
from pipeline.logs import configure_logging
from pipeline.storage import ClickHouse, connect
from pipeline.storage.migrate import migrate

log = logging.getLogger(__name__)

EMBEDDED_REBALANCE_TIMEOUT = 4.0
"""Tansu holds a group join for about half the rebalance timeout: keep it short locally."""


def load_settings(*, embedded_defaults: bool = False) -> Settings:
    """Settings from the environment; with the embedded broker, local-friendly defaults.

    Values set explicitly in the environment always win.
    """
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format, libraries=settings.log_level_libraries)
    if embedded_defaults and settings.kafka_url is None and "SOCIALLISTEN_REBALANCE_TIMEOUT" not in os.environ:
        settings = settings.model_copy(update={"rebalance_timeout": EMBEDDED_REBALANCE_TIMEOUT})
    return settings


@contextmanager
def broker(settings: Settings) -> Iterator[str]:
    """Bootstrap servers of the configured broker, or of an embedded Tansu started for the block."""
    if settings.kafka_url:
        yield bootstrap_servers(settings.kafka_url)
        return
    log_path = settings.data_dir / "tansu.log"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with EmbeddedBroker(log_path=log_path) as embedded:
        log.info("embedded Kafka-compatible broker (Tansu) at %s", embedded.bootstrap)
        yield embedded.bootstrap


@contextmanager
def storage(settings: Settings, *, run_migrations: bool = True) -> Iterator[ClickHouse]:
    """A connected ClickHouse (server or chDB) with the schema migrated."""
    url = settings.resolved_clickhouse_url
    if url.startswith("chdb://"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    ch = connect(url)
    try:
        if run_migrations:
            applied = migrate(ch)
            if applied:
                log.info("applied migrations: %s", ", ".join(applied))
        yield ch
    finally:
        ch.close()
