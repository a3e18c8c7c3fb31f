"""Search and saved searches on the cluster schema (2 shards x 2 replicas through Distributed tables)."""

from __future__ import annotations

import uuid

import pytest

from pipeline.local.clickhouse_cluster import LocalCluster
from pipeline.search import run, saved
from pipeline.search.models import SavedSearchIn, Search
from pipeline.search.parse import parse
from pipeline.search.query import matches
from pipeline.storage import connect
from pipeline.storage.migrate import migrate
from pipeline.storage.tables import MENTION_COLUMNS
from tests.integration.search.data import dicts, rows

pytestmark = pytest.mark.integration


def test_search_and_saved_searches_through_the_cluster(clickhouse_cluster: LocalCluster) -> None:
    ch = connect(clickhouse_cluster.url(f"c_{uuid.uuid4().hex[:10]}"))
    try:
        migrate(ch, cluster=clickhouse_cluster.name)
        ch.insert("mentions", MENTION_COLUMNS, list(rows()))
        q = "(蒙牛 OR 伊利 OR 牛奶) NOT kind:comment"
        expected = {d["event_id"] for d in dicts() if matches(parse(q), d)}
        found = [r["event_id"] for b in run.blocks(ch, Search(q=q), ["event_id"], block=23) for r in b]
        assert sorted(found) == sorted(expected) and run.counts(ch, Search(q=q)).total == len(expected) > 0
        made = saved.create_saved(ch, "alice", SavedSearchIn(name="奶", q=q))
        assert [s.search_id for s in saved.list_saved(ch, "alice")] == [made.search_id]
        assert saved.delete_saved(ch, "alice", made.search_id) and saved.list_saved(ch, "alice") == []
    finally:
        ch.close()
