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
