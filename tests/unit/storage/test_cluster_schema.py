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
    assert len(mvs) == 5
    # the term rollup's backfill (016) runs once, through the Distributed tables
    assert [s for s in statements if s.startswith("INSERT INTO")] == [
        s for m in load_migrations() for s in m.statements() if s.startswith("INSERT INTO")]
    for mv in mvs:
        assert re.search(r" TO db\.\w+_local AS ", mv) and "FROM db.mentions_local" in mv
    views = [s for s in statements if s.startswith("CREATE VIEW")]
    assert views and all(" ON CLUSTER c1 AS " in v for v in views)
    share = next(v for v in views if "share_of_voice_daily" in v.split(" AS ")[0])
    assert "FROM db.mention_rollup_hour" in share
    quality = next(v for v in views if "db.author_quality ON" in v)
    assert "FROM db.author_stats" in quality and "FROM db.audience_overrides FINAL" in quality


def test_added_columns_go_to_local_tables_on_cluster_and_distributed_ones_node_by_node() -> None:
    schema = ClusterSchema("c1", "db")
    local, distributed = schema.rewrite("ALTER TABLE mentions ADD COLUMN text_hash UInt64")
    assert local == "ALTER TABLE db.mentions_local ON CLUSTER c1 ADD COLUMN text_hash UInt64"
    assert distributed == "ALTER TABLE db.mentions ADD COLUMN text_hash UInt64"
    assert not schema.per_node(local) and schema.per_node(distributed)


@pytest.mark.parametrize(("cluster", "database", "statement", "words"), [
    ("c1; DROP", "db", "CREATE VIEW IF NOT EXISTS v AS SELECT 1", "plain identifier"),
    ("c1", "db`x", "CREATE VIEW IF NOT EXISTS v AS SELECT 1", "plain identifier"),
    ("c1", "db", "CREATE TABLE IF NOT EXISTS unknown (x UInt8) ENGINE = MergeTree() ORDER BY x", "no sharding key"),
    ("c1", "db", "CREATE TABLE IF NOT EXISTS mentions (x UInt8) ENGINE = Memory() ", "no replicated variant"),
    ("c1", "db", "DROP TABLE mentions", "cannot rewrite"),
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
