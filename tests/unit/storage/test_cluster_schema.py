"""The cluster schema's rewriting of the migrations (pure: no server)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pipeline.errors import ConfigError, StorageUnavailable
from pipeline.retry import RetryPolicy
from pipeline.storage import migrate as migrate_module
from pipeline.storage.cluster import SHARD_KEYS, ClusterSchema
from pipeline.storage.migrate import MIGRATIONS_TABLE_DDL, Migration, load_migrations, migrate


def _all_rewritten() -> list[str]:
    schema = ClusterSchema("c1", "db")
    out = schema.rewrite(MIGRATIONS_TABLE_DDL)
    for mig in load_migrations():
        for statement in mig.statements():
            out += schema.rewrite(statement)
    return out


def test_every_table_gets_a_replicated_local_table_and_a_distributed_one() -> None:
    statements = _all_rewritten()
    created = {m.group(1) for s in statements if (m := re.match(r"CREATE TABLE IF NOT EXISTS db\.(\w+) ON", s))}
    tables = {name for name in created if not name.endswith("_local")}
    assert tables == set(SHARD_KEYS), "every table has a sharding key and no key is unused"
    assert {f"{t}_local" for t in tables} <= created
    for statement in statements:
        if statement.startswith("CREATE TABLE") and "_local ON CLUSTER" in statement:
            assert re.search(r"ENGINE = Replicated\w*MergeTree\('/clickhouse/tables/\{shard\}/db/\w+_local', "
                             r"'\{replica\}'", statement), statement[:120]
        elif statement.startswith("CREATE TABLE"):
            assert re.search(r"ENGINE = Distributed\(c1, db, \w+_local, .+\)$", statement), statement[-120:]


def test_materialized_views_read_and_write_local_tables_and_views_name_the_database() -> None:
    statements = _all_rewritten()
    mvs = [s for s in statements if s.startswith("CREATE MATERIALIZED VIEW")]
    assert len(mvs) == 15
    # the backfills (016, 020, 021, 024) and the copies of 022 and 027 run once, through the Distributed tables
    assert [s for s in statements if s.startswith("INSERT INTO")] == [
        s for m in load_migrations() for s in m.statements() if s.startswith("INSERT INTO")]
    for mv in mvs:
        assert re.search(r" TO db\.\w+_local AS ", mv) and "FROM db.mentions_local" in mv
    views = [s for s in statements if s.startswith("CREATE VIEW")]
    assert views and all(" ON CLUSTER c1 AS " in v for v in views)
    share = [v for v in views if "share_of_voice_daily" in v.split(" AS ")[0]]
    assert "FROM db.mention_rollup_hour" in share[0] and "FROM db.hour_sets" in share[-1]  # 003, then 027
    quality = next(v for v in views if "db.author_quality ON" in v)
    assert "FROM db.author_stats" in quality and "FROM db.audience_overrides FINAL" in quality


def test_a_view_defined_anew_is_dropped_on_cluster_before_it_is_created_again() -> None:
    statements = _all_rewritten()
    drop = "DROP TABLE IF EXISTS db.author_quality ON CLUSTER c1"
    assert drop in statements
    later = statements[statements.index(drop):]
    quality = next(s for s in later if s.startswith("CREATE VIEW IF NOT EXISTS db.author_quality ON CLUSTER c1 AS"))
    assert "FROM db.author_stats" in quality and ClusterSchema("c1", "db").placement(drop) == "cluster"
    stats = next(s for s in later if s.startswith("CREATE VIEW IF NOT EXISTS db.author_stats ON"))
    assert "FROM db.author_quality_snapshot" in stats and "FROM db.audience_refreshes" in stats


def test_added_columns_go_to_each_shard_and_each_node_not_on_cluster() -> None:
    schema = ClusterSchema("c1", "db")
    local, distributed = schema.rewrite("ALTER TABLE mentions ADD COLUMN text_hash UInt64")
    assert local == "ALTER TABLE db.mentions_local ADD COLUMN text_hash UInt64"
    assert distributed == "ALTER TABLE db.mentions ADD COLUMN text_hash UInt64"
    assert (schema.placement(local), schema.placement(distributed)) == ("shard", "node")
    assert schema.placement(schema.database_ddl()) == "cluster"
    backfill = schema.rewrite("INSERT INTO term_rollup_daily SELECT 1")
    assert [schema.placement(s) for s in backfill] == ["here"]
    placements = {schema.placement(s) for s in _all_rewritten()}
    assert placements == {"cluster", "shard", "node", "here"}
    assert not any(" ON CLUSTER " in s for s in _all_rewritten() if s.startswith("ALTER"))


class _Node:
    """One server of a fake 2 x 2 cluster: records what it ran; ``down`` ones are unavailable."""

    backend = "native"
    database = "social"

    def __init__(self, name: str, sent: list[tuple[str, str]], down: set[str]) -> None:
        self.name, self.sent, self.down = name, sent, down
        self.inserted: list[tuple[Any, ...]] = []

    def execute(self, sql: str, params: Any = None) -> None:
        if self.name in self.down:
            raise StorageUnavailable(f"ClickHouse at {self.name} is unavailable: connection refused")
        self.sent.append((self.name, sql))

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        if "system.clusters" in sql:
            return [{"shard": s, "host": f"h{s}{r}", "port": 9000} for s in (1, 2) for r in (1, 2)]
        if "system.columns" in sql:
            if self.name in self.down:
                raise StorageUnavailable(f"ClickHouse at {self.name} is unavailable: connection refused")
            return [{"n": 0}]
        return []

    def insert(self, table: str, columns: Any, rows: Any) -> None:
        self.inserted += [tuple(r) for r in rows]

    def on_node(self, host: str, port: int) -> _Node:
        return _Node(host, self.sent, self.down)

    def another(self, send_receive_timeout: float | None = None) -> _Node:  # a backfill's patient connection
        return _Node(self.name, self.sent, self.down)

    def close(self) -> None:
        pass


@pytest.mark.parametrize("down", [set(), {"h11"}])
def test_a_cluster_migration_alters_one_replica_per_shard_every_node_and_backfills_once(down: set[str]) -> None:
    sent: list[tuple[str, str]] = []
    ch = _Node("here", sent, down)  # the connection migrating; the nodes are reached by on_node
    mig = Migration("901", "add", "ALTER TABLE mentions ADD COLUMN x UInt8;\nINSERT INTO term_rollup_daily SELECT 1;")
    if down:
        with pytest.raises(StorageUnavailable, match="h11"):  # a Distributed table must change on every node
            migrate(ch, [mig], cluster="c")  # type: ignore[arg-type]
    else:
        assert migrate(ch, [mig], cluster="c") == ["901_add"]  # type: ignore[arg-type]
    where: dict[str, list[str]] = {}
    for host, sql in sent:
        head = sql.split(" ADD ")[0] if sql.startswith("ALTER") else sql.split(" SELECT ")[0]
        where.setdefault(head, []).append(host)
    assert where["ALTER TABLE social.mentions_local"] == (["h12", "h21"] if down else ["h11", "h21"])
    if not down:
        assert where["ALTER TABLE social.mentions"] == ["h11", "h12", "h21", "h22"]
        assert where["INSERT INTO term_rollup_daily"] == ["here"]
        assert [r[0] for r in ch.inserted] == ["901"]


@pytest.mark.parametrize(("cluster", "database", "statement", "words"), [
    ("c1; DROP", "db", "CREATE VIEW IF NOT EXISTS v AS SELECT 1", "plain identifier"),
    ("c1", "db`x", "CREATE VIEW IF NOT EXISTS v AS SELECT 1", "plain identifier"),
    ("c1", "db", "CREATE TABLE IF NOT EXISTS unknown (x UInt8) ENGINE = MergeTree() ORDER BY x", "no sharding key"),
    ("c1", "db", "CREATE TABLE IF NOT EXISTS mentions (x UInt8) ENGINE = Memory() ", "no replicated variant"),
    ("c1", "db", "DROP TABLE mentions", "cannot rewrite"),
    ("c1", "db", "DROP TABLE IF EXISTS audience_events", "drops views only"),
])
def test_what_it_cannot_do_is_named(cluster: str, database: str, statement: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        ClusterSchema(cluster, database).rewrite(statement)


class _SlowCluster:
    """A server whose first answer to each ON CLUSTER CREATE does not come in time (the DDL runs anyway)."""

    backend = "native"
    database = "social"

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.inserted: list[tuple[Any, ...]] = []
        self._timed_out: set[str] = set()

    def execute(self, sql: str, params: Any = None) -> None:
        self.sent.append(sql)
        if sql.startswith("CREATE") and " ON CLUSTER " in sql and sql not in self._timed_out:
            self._timed_out.add(sql)
            raise StorageUnavailable("ClickHouse at node1 is unavailable during 'CREATE ...': timed out")

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        return []

    def insert(self, table: str, columns: Any, rows: Any) -> None:
        self.inserted += [tuple(r) for r in rows]


def test_a_cluster_ddl_whose_answer_times_out_is_sent_again_but_a_backfill_is_not(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(migrate_module, "CLUSTER_DDL_RETRY", RetryPolicy(first_seconds=0.01, max_seconds=0.01))
    ch = _SlowCluster()
    ddl = Migration("901", "slow", "CREATE TABLE IF NOT EXISTS mentions (a UInt8) ENGINE = MergeTree() ORDER BY a;")
    assert migrate(ch, [ddl], cluster="c") == ["901_slow"]  # type: ignore[arg-type]
    creates = [s for s in ch.sent if s.startswith("CREATE TABLE IF NOT EXISTS social.mentions_local")]
    assert len(creates) == 2 and creates[0] == creates[1]  # timed out once, sent again, then recorded
    assert [r[0] for r in ch.inserted] == ["901"]
    backfill = next(m for m in load_migrations() if m.name == "term_rollup")
    inserts = [s for s in backfill.statements() if s.lstrip().upper().startswith("INSERT")]
    assert inserts and not any(migrate_module._idempotent(s) for s in inserts)  # a backfill is never sent twice
