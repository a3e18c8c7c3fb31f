"""The process's Prometheus metrics (``GET /metrics`` on the web tier and on a worker's ops port).

One :class:`Metrics` per process, on a registry of its own. The worker's stages, the batch writer,
monitoring and the desk update it; values that live elsewhere are read when scraped or refreshed
on a timer (consumer lag from the consumer, case counts from ClickHouse). Metrics carry counts,
durations and label values from a fixed vocabulary (topic, partition, stage, status, dead-letter
reason) — never text from the stream.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST
"""The media type of :meth:`Metrics.render`'s output."""

_STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """Every metric this project exports, on one registry."""

    def __init__(self) -> None:
        """Create the metrics on a fresh registry (several can live in one process, e.g. in tests)."""
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.events_consumed = Counter("sociallisten_events_consumed", "Events read from the input topics.",
                                       registry=r)
        self.events_stored = Counter("sociallisten_events_stored", "Events stored in ClickHouse as mentions.",
                                     registry=r)
        self.dead_letters = Counter("sociallisten_dead_letters", "Events sent to the dead-letter topic, by reason.",
                                    ["reason"], registry=r)
        self.consumer_lag = Gauge("sociallisten_consumer_lag",
                                  "Events in an owned input partition beyond the last committed offset.",
                                  ["topic", "partition"], registry=r)
        self.batch_seconds = Histogram("sociallisten_batch_seconds", "Seconds a batch spent in a stage.", ["stage"],
                                       buckets=_STAGE_BUCKETS, registry=r)
        self.clickhouse_insert_seconds = Histogram("sociallisten_clickhouse_insert_seconds",
                                                   "Seconds of one ClickHouse insert (each attempt).",
                                                   buckets=_STAGE_BUCKETS, registry=r)
        self.desk_cases = Gauge("sociallisten_desk_cases", "Service-desk cases by status.", ["status"], registry=r)
        self.sla_breaches = Gauge("sociallisten_sla_breaches_total",
                                  "Cases whose first response or resolution was (or is now) later than its SLA.",
                                  registry=r)
        self.alerts = Counter("sociallisten_alerts", "Spike alerts fired by this process.", registry=r)
        self.alert_deliveries = Counter("sociallisten_alert_deliveries",
                                        "Alert messages to the configured channels, by channel name and outcome "
                                        "(sent, failed, unknown, deferred).", ["channel", "outcome"], registry=r)

    def render(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return generate_latest(self.registry)
