"""The cluster schema (SOCIALLISTEN_CLICKHOUSE_CLUSTER) on ZooKeeper and 2 shards x 2 replicas of clickhouse-server.

Exactness is judged against the single-server schema fed the same events: every count and every
BI view that depends only on the events must come out the same through any node of the cluster.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from clickhouse_driver import Client
from kafka import KafkaConsumer, TopicPartition

from pipeline.bench.monitor import load
from pipeline.config import Settings
from pipeline.errors import StorageUnavailable
from pipeline.local.clickhouse_cluster import LocalCluster
from pipeline.local.clickhouse_server import ClickHouseServer
from pipeline.monitor import audience_snapshot
from pipeline.sample import generate_events
from pipeline.storage import ClickHouse, connect
from pipeline.storage.migrate import applied_migrations, load_migrations, migrate
from pipeline.storage.stats import stats
from pipeline.text import get_analyzer
from tests.fixtures.kafka import WorkerEnv
from tests.integration.expect import Expectation, wait_until
from tests.integration.worker.test_faults import Producing, produce

pytestmark = pytest.mark.integration
CLUSTER = "sociallisten"

# What the comparison reads: everything that depends on the events alone (no now(), no insert times).
VIEWS: dict[str, str] = {
    "mentions": "SELECT event_id, platform, kind, thread_id, buyer, service_request, service_category, "
                "purchase_intent, brands, competitors, signals, sentiment FROM mentions FINAL",
    "rollup_minute": "SELECT * FROM rollup_minute",
    "rollup_hour": "SELECT * FROM rollup_hour",
    "share_of_voice_daily": "SELECT * FROM share_of_voice_daily",
    "buyers_by_brand_daily": "SELECT * FROM buyers_by_brand_daily",
    "service_requests_daily": "SELECT * FROM service_requests_daily",
    # the audience views after a refresh of each database: every column but the refresh's time
    "author_stats": "",
    "author_quality": "",
    "audience_composition_daily": "SELECT day, brand, segment, authors FROM audience_composition_daily",
    "buyer_topics_daily": "SELECT * FROM buyer_topics_daily",
    "competitor_terms_daily": "SELECT * FROM competitor_terms_daily",
    "cascade_nodes": "SELECT root_id, event_id, parent_id, suspect_account, is_root FROM cascade_nodes FINAL",
}


def _rows(ch: ClickHouse, sql: str) -> list[tuple[str, ...]]:
    def cell(value: Any) -> str:
        return f"{value:.9g}" if isinstance(value, float) else str(value)

    return sorted(tuple(cell(v) for v in row.values()) for row in ch.query(sql))


def _columns(ch: ClickHouse, table: str) -> list[str]:
    return sorted(r["name"] for r in ch.query("SELECT name FROM system.columns WHERE database = currentDatabase() "
                                              "AND table = %(t)s", {"t": table}))


def _differences(cluster: ClickHouse, single: ClickHouse) -> list[str]:
    diffs = []
    for ch in (cluster, single):
        assert audience_snapshot.refresh(ch).authors > 0
    for name, sql in VIEWS.items():
        if not sql:
            sql = f"SELECT {', '.join(c for c in _columns(single, name) if c != 'refreshed_at')} FROM {name}"
        got, want = _rows(cluster, sql), _rows(single, sql)
        if got != want:
            diffs.append(f"{name}: {len(got)} rows on the cluster, {len(want)} on one server")
    return diffs


@pytest.fixture
def single(clickhouse_server: Any) -> Iterator[ClickHouse]:
    """A migrated single-server database, to compare with."""
    conn = connect(clickhouse_server.url(f"t_{uuid.uuid4().hex[:12]}"))
    migrate(conn)
    yield conn
    conn.close()


@pytest.fixture
def cluster_db(clickhouse_cluster: LocalCluster) -> str:
    """A fresh database name for this test on the cluster."""
    return f"c_{uuid.uuid4().hex[:10]}"


@contextmanager
def _node(node: ClickHouseServer, db: str, timeout: float = 300) -> Iterator[Client]:
    """A native client on one node of the cluster, disconnected after the block."""
    client = Client(node.host, port=node.port, database=db, send_receive_timeout=timeout)
    try:
        yield client
    finally:
        client.disconnect()


def _replicated_tables(client: Client) -> list[str]:
    return [name for (name,) in client.execute("SELECT name FROM system.tables WHERE database = currentDatabase() "
                                               "AND engine LIKE 'Replicated%'")]


def _local_counts(cluster: LocalCluster, db: str) -> list[list[dict[str, int]]]:
    """Rows of every replicated table, per node: ``counts[shard][replica][table]``."""
    counts = []
    for row in cluster.nodes:
        shard = []
        for node in row:
            with _node(node, db) as client:
                shard.append({name: client.execute(f"SELECT count() FROM {name}")[0][0]
                              for name in _replicated_tables(client)})
        counts.append(shard)
    return counts


def _sync_replicas(cluster: LocalCluster, db: str, seconds: int = 30) -> None:
    """Run ``SYSTEM SYNC REPLICA`` on every replicated table of every node.

    Each waits (up to ``seconds``) until its replication queue has caught up with the log, as an
    operator does after a restart, instead of leaving the fetches to the background pool's schedule.
    """
    for node in cluster.all_nodes:
        with _node(node, db, timeout=seconds + 10) as client:
            for name in _replicated_tables(client):
                client.execute(f"SYSTEM SYNC REPLICA {name}", settings={"receive_timeout": seconds})


def _replicas_agree(cluster: LocalCluster, db: str) -> bool:
    _sync_replicas(cluster, db)
    return all(all(c == shard[0] for c in shard) for shard in _local_counts(cluster, db))


def _replication_state(cluster: LocalCluster, db: str) -> str:
    """What a failed convergence wait reports: per node, the differing counts and the replication queue."""
    lines = []
    for s, row in enumerate(cluster.nodes):
        for r, node in enumerate(row):
            try:
                with _node(node, db) as client:
                    replicas = client.execute(
                        "SELECT table, is_readonly, is_session_expired, queue_size, absolute_delay "
                        "FROM system.replicas WHERE database = currentDatabase()")
                    queue = client.execute(
                        "SELECT table, type, new_part_name, num_tries, last_exception FROM system.replication_queue "
                        "WHERE database = currentDatabase() LIMIT 10")
                lines.append(f"shard {s + 1} replica {r + 1}: replicas {replicas}; queue {queue}")
            except Exception as exc:  # a node may be down; say so and go on
                lines.append(f"shard {s + 1} replica {r + 1}: {exc!r}")
    try:
        lines.append(f"counts {_local_counts(cluster, db)}")
    except Exception as exc:
        lines.append(f"counts: {exc!r}")
    return "\n".join(lines)


def test_cluster_schema_is_versioned_idempotent_and_exact(clickhouse_cluster: LocalCluster, cluster_db: str,
                                                          single: ClickHouse) -> None:
    ch = connect(clickhouse_cluster.url(cluster_db, shard=1))
    try:
        # every migration, ON CLUSTER, in two runs: the second's views name views the first one made
        first = [m for m in load_migrations() if m.version < "026"]
        assert migrate(ch, first, cluster=CLUSTER) == [m.label for m in first]
        assert migrate(ch, cluster=CLUSTER) == [m.label for m in load_migrations() if m.version >= "026"]
        assert migrate(ch, cluster=CLUSTER) == []  # idempotent
        assert set(applied_migrations(ch)) == set(applied_migrations(single))
        want = _columns(single, "mentions")
        for node in clickhouse_cluster.all_nodes:  # every node has both forms of every table, all columns added
            other = connect(node.url(cluster_db))
            tables = {r["name"]: r["engine"] for r in other.query("SELECT name, engine FROM system.tables "
                                                                  "WHERE database = currentDatabase()")}
            columns = (_columns(other, "mentions"), _columns(other, "mentions_local"))
            other.close()
            assert tables["mentions"] == "Distributed" and tables["mentions_local"] == "ReplicatedReplacingMergeTree"
            assert tables["hour_sets_local"] == "ReplicatedAggregatingMergeTree"
            assert columns == (want, want), f"{node.url(cluster_db)}: columns differ from one server's"
        lines = list(generate_events(3000, seed=41))
        analyzer = get_analyzer(Settings().resolved_lexicon)
        load(ch, lines, analyzer)
        load(single, lines, analyzer)
        load(ch, lines, analyzer)  # a replay changes nothing
        wait_until(lambda: _replicas_agree(clickhouse_cluster, cluster_db), 60, "the replicas to agree",
                   diagnose=lambda: _replication_state(clickhouse_cluster, cluster_db))
        assert stats(ch) == stats(single)
        assert _differences(ch, single) == []
        shards = _local_counts(clickhouse_cluster, cluster_db)
        assert all(shard[0]["mentions_local"] > 500 for shard in shards), "both shards hold mentions"
    finally:
        ch.close()


def test_a_whole_shard_down_is_a_transient_error(clickhouse_cluster: LocalCluster, cluster_db: str) -> None:
    ch = connect(clickhouse_cluster.url(cluster_db))
    migrate(ch, cluster=CLUSTER)
    lines = list(generate_events(200, seed=3))
    analyzer = get_analyzer(Settings().resolved_lexicon)
    down = clickhouse_cluster.nodes[1]
    try:
        for node in down:
            node.stop()
        with pytest.raises(StorageUnavailable):  # the worker retries these and pauses consumption
            load(ch, lines, analyzer)
    finally:
        for node in down:
            node.start()
    wait_until(lambda: load(ch, lines, analyzer) == len(lines), 60, "inserts once the shard is back")
    assert stats(ch)["mentions"] == len(lines)
    ch.close()


def _offsets(env: WorkerEnv, topics: list[str]) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
    """The workers' committed offsets and the end offsets of every input partition."""
    consumer = KafkaConsumer(bootstrap_servers=env.kafka_url, group_id=f"{env.prefix}app", enable_auto_commit=False)
    try:  # committed() asks the group coordinator; nothing joins the group
        parts = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
        return {tp: consumer.committed(tp) or 0 for tp in parts}, consumer.end_offsets(parts)
    finally:
        consumer.close()


def _consumed(env: WorkerEnv, topics: list[str]) -> bool:
    """Whether the workers' group has committed every input partition to its end."""
    committed, ends = _offsets(env, topics)
    return all(committed[tp] >= end for tp, end in ends.items())


@pytest.fixture
def worker_env(kafka_broker: Any, clickhouse_cluster: LocalCluster, cluster_db: str, tmp_path: Any) -> WorkerEnv:
    """Workers writing to the cluster through shard 2's first node."""
    env = WorkerEnv(kafka_url=kafka_broker.bootstrap, clickhouse_url=clickhouse_cluster.url(cluster_db, shard=1),
                    data_dir=tmp_path / "data")
    env.extra.update(SOCIALLISTEN_CLICKHOUSE_CLUSTER=CLUSTER)
    return env


def test_two_workers_a_replica_killed_mid_stream_totals_exact(  # type: ignore[no-untyped-def]
    clickhouse_cluster: LocalCluster, cluster_db: str, single: ClickHouse, worker_env: WorkerEnv, start_worker
) -> None:
    lines = list(generate_events(20_000, seed=77))
    exp = Expectation.from_lines(lines)
    start_worker(), start_worker()
    victim = clickhouse_cluster.nodes[0][0]  # shard 1's first replica: where its writes go while it is up
    ch = connect(worker_env.clickhouse_url)
    try:
        producer = Producing(worker_env, lines, 2500.0)
        producer.start()
        wait_until(lambda: stats(ch)["mentions"] > 5000, 240, "the workers to store part of the stream")
        victim.kill()  # kill -9
        time.sleep(3)
        victim.start()
        producer.finish(timeout=120)
        wait_until(lambda: stats(ch)["mentions"] >= len(exp.valid_ids), 300, "every event stored")
        load(single, lines, get_analyzer(Settings().resolved_lexicon))
        # the desk mirrors each case command with its own inserts and may still be working through
        # the cases topic (on a loaded machine, minutes): replicas agree only once those writes end
        cases = [f"{worker_env.prefix}cases"]
        wait_until(lambda: _consumed(worker_env, cases), 300, "the desk to apply every case command",
                   diagnose=lambda: f"(committed, end offsets): {_offsets(worker_env, cases)}")
        wait_until(lambda: _replicas_agree(clickhouse_cluster, cluster_db), 180, "the restarted replica to converge",
                   diagnose=lambda: _replication_state(clickhouse_cluster, cluster_db))
        assert stats(ch) == stats(single)
        for node in clickhouse_cluster.all_nodes:  # through any node
            other = connect(node.url(cluster_db))
            assert stats(other) == stats(single), node.port
            other.close()
        assert _differences(ch, single) == []
        before = stats(ch)
        produce(worker_env, lines)  # the same events a second time
        topics = [f"{worker_env.prefix}posts", f"{worker_env.prefix}comments"]
        wait_until(lambda: _consumed(worker_env, topics), 300, "the workers to consume the replay",
                   diagnose=lambda: f"(committed, end offsets): {_offsets(worker_env, topics)}")
        assert stats(ch) == before
    finally:
        ch.close()
