"""What every command starts from: the settings with logging set up, the broker in force, storage set up.

Light on purpose (no Faust): ``migrate``, ``stats`` and ``replay`` use it as well as the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from pipeline.config import Settings
from pipeline.config import load_settings as read_settings
from pipeline.kafka.topics import bootstrap_servers
from pipeline.local.broker import EmbeddedBroker
from pipeline.logs import configure_logging
from pipeline.retry import RetryPolicy
from pipeline.storage import ClickHouse, connect
from pipeline.storage.migrate import migrate
from pipeline.storage.url import redact

log = logging.getLogger(__name__)


def load_settings(*, embedded_defaults: bool = False) -> Settings:
    """Settings from the environment, logging configured; with the embedded broker, local-friendly defaults.

    Values set explicitly in the environment always win. A bad value raises ConfigError naming it.
    """
    settings = read_settings()
    logs = settings.logs
    configure_logging(logs.log_level, logs.log_format, libraries=logs.log_level_libraries,
                      repeat_seconds=logs.log_repeat_seconds)
    return settings.with_embedded_defaults() if embedded_defaults else settings


@contextmanager
def broker(settings: Settings) -> Iterator[str]:
    """Bootstrap servers of the configured broker, or of an embedded Tansu started for the block."""
    if settings.kafka.kafka_url:
        yield bootstrap_servers(settings.kafka.kafka_url)
        return
    log_path = settings.data_dir / "tansu.log"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with EmbeddedBroker(log_path=log_path) as embedded:
        log.info("embedded Kafka-compatible broker (Tansu) at %s", embedded.bootstrap)
        yield embedded.bootstrap


@contextmanager
def storage(settings: Settings, *, run_migrations: bool = True, wait: bool = False) -> Iterator[ClickHouse]:
    """A connected ClickHouse (server or chDB) with the schema migrated.

    ``wait`` (the long-running services: worker, web tier): a transient failure to connect or to
    migrate (server unreachable or still starting, a cluster's DDL queue busy with another process's
    migration) is retried for ``SOCIALLISTEN_STARTUP_WAIT_SECONDS``; migrations are idempotent, so
    a retry after a half-done attempt is safe. Without it the first failure is raised.
    """
    url = settings.resolved_clickhouse_url
    if url.startswith("chdb://"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    cluster = settings.storage.clickhouse_cluster

    def open_migrated() -> ClickHouse:
        ch = connect(url)
        try:
            if run_migrations and (applied := migrate(ch, cluster=cluster)):
                log.info("applied migrations: %s", ", ".join(applied))
        except BaseException:
            ch.close()
            raise
        return ch

    patience = settings.storage.startup_wait_seconds if wait else 0.0
    if patience > 0:
        policy = RetryPolicy(first_seconds=0.5, max_seconds=min(settings.storage.retry_max_seconds, 10.0),
                             within_seconds=patience)
        ch = policy.call_blocking(f"opening ClickHouse at {redact(url)}", open_migrated)
    else:
        ch = open_migrated()
    try:
        yield ch
    finally:
        ch.close()
