"""Static group membership (``group.instance.id``) where the broker supports it, dynamic elsewhere.

With ``SOCIALLISTEN_GROUP_INSTANCE_ID`` set, a worker restarted under the same name takes its
partitions back without a rebalance, and a stopping worker does not leave the group (its partitions
wait for it, up to the session timeout). That needs KIP-345 (Kafka 2.3+: JoinGroup v5 and later).

Tansu advertises JoinGroup v9 but does not keep a static member alive while it joins: it holds
every join for half the session timeout and evicts static members that sent no heartbeat during it,
so a group of static members rebalances over and over (measured: ``sociallisten bench --failover``,
docs/failover.md). :func:`choose` therefore falls back to dynamic membership, with a warning, where
the broker lacks JoinGroup v5 or is Tansu (recognised by its cluster id, ``tansu_cluster`` unless
its operator changed it).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from pipeline.config import KafkaSettings
from pipeline.kafka.security import aiokafka_options
from pipeline.kafka.topics import bootstrap_servers

log = logging.getLogger(__name__)

JOIN_GROUP = 11
"""Kafka's API key of JoinGroup."""
STATIC_JOIN_VERSION = 5
"""The first JoinGroup version with a group instance id (KIP-345)."""
PROBE_SECONDS = 10.0


@dataclass(frozen=True)
class BrokerFacts:
    """What decides static membership: the broker's JoinGroup versions and its cluster id."""

    join_group_max_version: int | None
    cluster_id: str | None


def fallback_reason(facts: BrokerFacts) -> str:
    """Why static membership cannot be used on this broker ('' when it can)."""
    if facts.join_group_max_version is None:
        return "the broker's API versions are unknown"
    if facts.join_group_max_version < STATIC_JOIN_VERSION:
        return f"the broker's JoinGroup goes up to v{facts.join_group_max_version} (static membership needs v5)"
    if (facts.cluster_id or "").lower().startswith("tansu"):
        return "the broker is Tansu, whose group coordinator evicts static members while they join"
    return ""


def choose(kafka: KafkaSettings, facts: BrokerFacts) -> KafkaSettings:
    """``kafka`` as it may run on this broker: without the group instance id where static membership fails."""
    if kafka.group_instance_id is None:
        return kafka
    reason = fallback_reason(facts)
    if not reason:
        log.info("static group membership as %r", kafka.group_instance_id)
        return kafka
    log.warning("SOCIALLISTEN_GROUP_INSTANCE_ID is ignored: %s; using dynamic group membership", reason)
    return kafka.model_copy(update={"group_instance_id": None})


async def _probe(bootstrap: str, kafka: KafkaSettings) -> BrokerFacts:
    from aiokafka.client import AIOKafkaClient
    from aiokafka.protocol.metadata import MetadataRequest

    client = AIOKafkaClient(bootstrap_servers=bootstrap_servers(bootstrap), **aiokafka_options(kafka))
    try:
        await client.bootstrap()
        node = next(iter(client.cluster.brokers())).nodeId
        conn = await client._get_conn(node)  # the connection has done the ApiVersions exchange
        versions = getattr(conn, "_versions", {}) if conn is not None else {}
        join = versions.get(JOIN_GROUP)
        metadata = await client.send(node, MetadataRequest([]))  # v2 and later name the cluster
        cluster_id = getattr(metadata, "cluster_id", None)
        return BrokerFacts(int(join[1]) if join else None, str(cluster_id) if cluster_id else None)
    finally:
        await client.close()


def probe(bootstrap: str, kafka: KafkaSettings) -> BrokerFacts:
    """Ask the broker (blocking, before the worker's event loop runs); unknown facts when it does not answer."""
    try:
        return asyncio.run(asyncio.wait_for(_probe(bootstrap, kafka), PROBE_SECONDS))
    except Exception as exc:  # noqa: BLE001 - any failure means: do not rely on static membership
        log.warning("could not ask the broker about static membership: %s", exc)
        return BrokerFacts(None, None)


def resolve(bootstrap: str, kafka: KafkaSettings) -> KafkaSettings:
    """The Kafka settings a worker runs with: static membership only where the broker supports it."""
    if kafka.group_instance_id is None:
        return kafka
    return choose(kafka, probe(bootstrap, kafka))
