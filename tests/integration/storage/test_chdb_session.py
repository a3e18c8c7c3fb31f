"""chDB: one process-wide session per path, shared by every connect(), safe across threads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pipeline.errors import ConfigError, StorageError
from pipeline.storage import connect
from pipeline.storage.chdb_backend import ChdbClickHouse
from pipeline.storage.migrate import migrate
from pipeline.storage.tables import MENTION_COLUMNS
from tests.integration.storage.rows import mention, tuples

pytestmark = pytest.mark.integration


def test_connections_to_one_path_share_one_session(tmp_path: Path) -> None:
    a = connect(f"chdb://{tmp_path}/data")
    b = connect(f"chdb://{tmp_path}/data")
    other_db = connect(f"chdb://{tmp_path}/data?db=other")
    try:
        assert isinstance(a, ChdbClickHouse) and isinstance(b, ChdbClickHouse) and isinstance(other_db, ChdbClickHouse)
        assert a._s is b._s is other_db._s and a._s.refs == 3
        migrate(a)
        a.insert("mentions", MENTION_COLUMNS, tuples([mention("weibo:1")]))
        assert b.query("SELECT event_id FROM mentions") == [{"event_id": "weibo:1"}]
        assert other_db.query("SELECT count() AS n FROM system.tables WHERE database = 'other'") == [{"n": 0}]
        with pytest.raises(ConfigError, match="one data path per process"):
            connect(f"chdb://{tmp_path}/elsewhere")
        a.close()
        a.close()  # closing a handle twice does not release the session twice
        assert b._s.refs == 2
        assert b.query("SELECT count() AS n FROM mentions") == [{"n": 1}]
        with pytest.raises(StorageError, match="closed"):
            a.ping()
    finally:
        b.close()
        other_db.close()
    assert ChdbClickHouse._current is None  # the last close released the engine
    reopened = connect(f"chdb://{tmp_path}/data")  # persistent: the data is still there
    try:
        assert reopened.query("SELECT event_id FROM mentions") == [{"event_id": "weibo:1"}]
    finally:
        reopened.close()
    elsewhere = connect(f"chdb://{tmp_path}/elsewhere")  # and now another path may be opened
    elsewhere.close()


def test_threads_share_the_session_safely(tmp_path: Path) -> None:
    handles = [connect(f"chdb://{tmp_path}/data?db=db{i}") for i in range(2)]
    for h in handles:
        migrate(h)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        h = handles[n % 2]
        try:
            for i in range(15):
                h.insert("mentions", MENTION_COLUMNS, tuples([mention(f"weibo:{n}_{i}")]))
                h.query("SELECT count() AS n FROM mentions FINAL")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        for i, h in enumerate(handles):  # each database got exactly its own threads' rows
            assert h.query("SELECT count() AS n FROM mentions") == [{"n": 3 * 15}]
            prefixes = {r["p"] for r in h.query("SELECT DISTINCT splitByChar('_', event_id)[1] AS p FROM mentions")}
            assert prefixes == {f"weibo:{n}" for n in range(6) if n % 2 == i}
    finally:
        for h in handles:
            h.close()


def test_chdb_merges_column_by_column_and_keeps_the_latest_version(tmp_path: Path) -> None:
    """Merges are vertical, in blocks of at most 1 MiB (pipeline/storage/chdb.xml), and keep each latest version."""
    ch = connect(f"chdb://{tmp_path}/data")
    try:
        settings = ch.query(
            "SELECT name, value FROM system.merge_tree_settings "
            "WHERE name IN ('vertical_merge_algorithm_min_rows_to_activate', "
            "'vertical_merge_algorithm_min_columns_to_activate', 'merge_max_block_size_bytes') ORDER BY name"
        )
        assert [r["value"] for r in settings] == ["1048576", "1", "1"]  # merges read 1 MiB of a column at a time
        migrate(ch)
        for version in (1, 2, 3):  # three parts, each with every event again under a newer version
            rows = [mention(f"weibo:{i}", version=version, likes=version * 100 + i, text=f"第{version}版 {i}")
                    for i in range(200)]
            ch.insert("mentions", MENTION_COLUMNS, tuples(rows))
        ch.execute("OPTIMIZE TABLE mentions FINAL")
        parts = ch.query("SELECT count() AS n FROM system.parts WHERE database = currentDatabase() "
                         "AND table = 'mentions' AND active")
        assert parts == [{"n": 1}]
        got = ch.query("SELECT count() AS n, min(version) AS lo, sum(likes) AS likes, "
                       "countIf(startsWith(text, '第3版')) AS latest_texts FROM mentions")
        assert got == [{"n": 200, "lo": 3, "likes": sum(300 + i for i in range(200)), "latest_texts": 200}]
    finally:
        ch.close()
