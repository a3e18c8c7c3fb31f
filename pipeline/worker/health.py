"""Whether a worker is alive and ready: what ``/healthz`` and ``/readyz`` answer.

Alive: the event loop turns (whatever answers the HTTP request proves it). Ready: ClickHouse and
Kafka answered the last probe, and the worker has its partitions (the consumer group's assignment is
done and no rebalance is under way). The probes run every ``PROBE_SECONDS`` on a timer, each with a
timeout, so a scrape never waits on a database that does not answer; the answer is the last result.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaClient

from pipeline.config import KafkaSettings
from pipeline.kafka.security import aiokafka_options
from pipeline.kafka.topics import bootstrap_servers
from pipeline.storage import ClickHouse
from pipeline.worker.features import WorkerPorts

log = logging.getLogger(__name__)

PROBE_SECONDS = 2.0
"""How often ClickHouse and Kafka are probed."""
PROBE_TIMEOUT = 2.0
"""How long one probe may take before it counts as no answer."""


@dataclass
class Readiness:
    """The last probe results of one worker."""

    checks: dict[str, str] = field(default_factory=lambda: {"clickhouse": "not probed yet", "kafka": "not probed yet",
                                                            "assignment": "waiting for the consumer group"})

    @property
    def ready(self) -> bool:
        """Every check passed."""
        return all(value == "ok" for value in self.checks.values())

    def answer(self) -> dict[str, Any]:
        """The JSON body of ``/readyz``: ready, and the reason of every check that did not pass."""
        reasons = [f"{name}: {value}" for name, value in self.checks.items() if value != "ok"]
        return {"ready": self.ready, "checks": dict(self.checks), "reasons": reasons}


class HealthProbe:
    """Keeps a worker's :class:`Readiness` up to date from its timers and rebalance signals."""

    def __init__(self, ports: WorkerPorts, bootstrap: str, kafka: KafkaSettings) -> None:
        """Probe the storage behind ``ports`` and the broker at ``bootstrap`` (connecting as ``kafka`` says)."""
        self.ports = ports
        self.client_options = aiokafka_options(kafka)
        self.bootstrap = bootstrap_servers(bootstrap)
        self.readiness = Readiness()
        self._assigned_once = False

    def install(self) -> HealthProbe:
        """Start probing when the worker starts; follow its rebalances."""
        self.ports.every(PROBE_SECONDS, self.probe, name="sociallisten.health_probe")
        self.ports.on_partitions_assigned(self._assigned)
        return self

    async def _assigned(self, app: object, assigned: object, **kwargs: object) -> None:
        self._assigned_once = True

    async def probe(self) -> None:
        """Probe ClickHouse and Kafka once (each within PROBE_TIMEOUT) and look at the group."""
        checks = self.readiness.checks
        checks["clickhouse"] = await probe_clickhouse(self.ports.storage.ch)
        checks["kafka"] = await probe_kafka(self.bootstrap, self.client_options)
        app: Any = self.ports.app
        if not self._assigned_once:
            checks["assignment"] = "waiting for the consumer group"
        elif getattr(app, "rebalancing", False):
            checks["assignment"] = "a rebalance is under way"
        else:
            checks["assignment"] = "ok"


async def _check(what: str, probe: Any) -> str:
    try:
        await asyncio.wait_for(probe, PROBE_TIMEOUT)
    except TimeoutError:
        return f"{what} did not answer within {PROBE_TIMEOUT:.0f} s"
    except Exception as exc:  # any failure of the probe is the reason
        return f"{what} is unreachable ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})"
    return "ok"


async def probe_clickhouse(ch: ClickHouse) -> str:
    """'ok', or why ClickHouse did not answer a ping within PROBE_TIMEOUT."""
    return await _check("ClickHouse", asyncio.to_thread(ch.ping))


async def probe_kafka(bootstrap: str, client_options: dict[str, Any]) -> str:
    """'ok', or why the brokers at ``bootstrap`` did not answer a metadata request within PROBE_TIMEOUT."""

    async def bootstrap_once() -> None:
        client = AIOKafkaClient(bootstrap_servers=bootstrap.split(","), request_timeout_ms=int(PROBE_TIMEOUT * 1000),
                                **client_options)
        try:
            await client.bootstrap()
        finally:
            await client.close()

    return await _check("Kafka", bootstrap_once())
