"""A server outage is StorageUnavailable (transient), and the same object recovers by itself."""

from __future__ import annotations

import threading
import uuid

import pytest

from pipeline.errors import StorageError, StorageUnavailable
from pipeline.storage import connect
from pipeline.storage.migrate import migrate
from pipeline.storage.tables import MENTION_COLUMNS
from tests.fixtures.clickhouse import ClickHouseServer
from tests.integration.storage.rows import mention, tuples

pytestmark = pytest.mark.integration


def test_outage_is_transient_and_the_connection_recovers(clickhouse_server: ClickHouseServer) -> None:
    url = clickhouse_server.url(f"outage_{uuid.uuid4().hex[:8]}")
    ch = connect(url)
    try:
        migrate(ch)
        ch.insert("mentions", MENTION_COLUMNS, tuples([mention("weibo:before")]))

        clickhouse_server.stop()
        calls = {
            "ping": ch.ping,
            "query": lambda: ch.query("SELECT count() AS n FROM mentions"),
            "execute": lambda: ch.execute("OPTIMIZE TABLE mentions"),
            "insert": lambda: ch.insert("mentions", MENTION_COLUMNS, tuples([mention("weibo:during")])),
            "connect": lambda: connect(url),
        }
        for name, call in calls.items():
            with pytest.raises(StorageUnavailable, match="unavailable.*retry later"):
                call()
            assert name  # each of them, not only the first

        clickhouse_server.start()
        ch.ping()  # the same object, no reconnect call
        ch.insert("mentions", MENTION_COLUMNS, tuples([mention("weibo:after")]))
        ids = [r["event_id"] for r in ch.query("SELECT event_id FROM mentions ORDER BY event_id")]
        assert ids == ["weibo:after", "weibo:before"]  # data survived the restart, nothing half-written
    finally:
        clickhouse_server.start()
        ch.close()


def test_a_crash_during_a_query_is_transient(clickhouse_server: ClickHouseServer) -> None:
    ch = connect(clickhouse_server.url("default"))
    errors: list[BaseException] = []

    def long_query() -> None:
        try:
            ch.query("SELECT count() AS n FROM numbers(100000000000)")
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=long_query)
    try:
        thread.start()
        thread.join(1.0)  # the query is running now
        clickhouse_server.kill()  # kill -9: the socket dies mid-answer
        thread.join(30)
        assert len(errors) == 1 and isinstance(errors[0], StorageUnavailable), errors
        clickhouse_server.start()
        assert ch.query("SELECT 1 AS one") == [{"one": 1}]
    finally:
        clickhouse_server.start()
        ch.close()


def test_wrong_credentials_are_a_permanent_error(clickhouse_server: ClickHouseServer) -> None:
    url = f"clickhouse://nobody:secret@{clickhouse_server.host}:{clickhouse_server.port}/default"
    with pytest.raises(StorageError) as info:
        connect(url)
    assert not isinstance(info.value, StorageUnavailable)
