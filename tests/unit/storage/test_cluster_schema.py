"""The cluster schema's rewriting of the migrations (pure: no server)."""

from __future__ import annotations

import re

import pytest

from pipeline.errors import ConfigError
from pipeline.storage.cluster import SHARD_KEYS, ClusterSchema
from pipeline.storage.migrate import MIGRATIONS_TABLE_DDL, load_migrations


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
