"""Versioned migrations on both backends: idempotent, drift detected, columns in step with tables.py."""

from __future__ import annotations

import uuid

import pytest

from pipeline.errors import StorageError
from pipeline.local.clickhouse_server import ClickHouseServer
from pipeline.storage import ClickHouse, connect
from pipeline.storage.migrate import Migration, load_migrations, migrate
from pipeline.storage.tables import DEADLETTER_COLUMNS, MENTION_COLUMNS

pytestmark = pytest.mark.integration

EXTRA = Migration("900", "extra", "-- a later migration\nCREATE TABLE IF NOT EXISTS extra\n(x String)\n"
                  "ENGINE = MergeTree() ORDER BY x;\n")  # fmt: skip


def recorded(ch: ClickHouse) -> list[tuple[str, str]]:
    rows = ch.query("SELECT version, checksum FROM schema_migrations ORDER BY version")
    return [(r["version"], r["checksum"]) for r in rows]


def test_columns_match_the_ddl(ch: ClickHouse) -> None:
    assert tuple(r["name"] for r in ch.query("DESCRIBE TABLE mentions")) == MENTION_COLUMNS
    assert tuple(r["name"] for r in ch.query("DESCRIBE TABLE dead_letters")) == DEADLETTER_COLUMNS


def test_every_object_exists(ch: ClickHouse) -> None:
    names = {r["name"] for r in ch.query("SHOW TABLES")}
    assert {
        "schema_migrations", "mentions", "dead_letters", "minute_sets", "hour_sets", "minute_sets_mv",
        "hour_sets_mv", "term_day_sets", "term_day_sets_mv", "rollup_minute", "rollup_hour", "share_of_voice_daily",
        "buyers_by_brand_daily", "service_requests_daily", "mentions_latest",
    } <= names  # fmt: skip
    # the sets of 002, 016 and 024 stay (migrations drop no data) but nothing writes them any more (024, 027)
    assert {"mention_rollup_minute", "mention_sets_minute", "term_sets_daily"} <= names
    assert not {"mention_rollup_minute_mv", "mention_rollup_hour_mv", "term_rollup_daily_mv", "mention_sets_minute_mv",
                "mention_sets_hour_mv", "term_sets_daily_mv"} & names


def test_second_run_applies_nothing(ch: ClickHouse) -> None:
    before = recorded(ch)
    assert [v for v, _ in before] == [m.version for m in load_migrations()]
    assert migrate(ch) == []
    assert recorded(ch) == before


def test_fresh_database_gets_every_migration_once(clickhouse_url: str) -> None:
    conn = connect(clickhouse_url)
    try:
        assert migrate(conn) == [m.label for m in load_migrations()]
        assert migrate(conn) == []
    finally:
        conn.close()


def test_a_new_migration_applies_alone(ch: ClickHouse) -> None:
    plan = [*load_migrations(), EXTRA]
    assert migrate(ch, plan) == ["900_extra"]
    assert migrate(ch, plan) == []
    assert ch.query("SELECT name FROM schema_migrations WHERE version = '900'") == [{"name": "extra"}]


def test_a_changed_applied_migration_is_refused(ch: ClickHouse) -> None:
    plan = load_migrations()
    edited = [Migration(m.version, m.name, m.sql + "\n-- edited\n") if m.version == "002" else m for m in plan]
    with pytest.raises(StorageError, match="002_rollups was changed after it was applied.*new migration"):
        migrate(ch, [*edited, EXTRA])
    assert "900" not in {v for v, _ in recorded(ch)}  # nothing applied after detecting drift


def test_a_failed_migration_is_not_recorded_and_can_run_again(ch: ClickHouse) -> None:
    broken = Migration("901", "broken", "CREATE TABLE IF NOT EXISTS half (x String) ENGINE = MergeTree() ORDER BY x;\n"
                       "CREATE TABLE IF NOT EXISTS oops (x Strin) ENGINE = MergeTree() ORDER BY x;\n")  # fmt: skip
    with pytest.raises(StorageError, match="migration 901_broken, statement 2 of 2: .*CREATE TABLE IF NOT EXISTS oops"):
        migrate(ch, [*load_migrations(), broken])
    assert "901" not in {v for v, _ in recorded(ch)}
    fixed = Migration("901", "broken", broken.sql.replace("Strin)", "String)"))
    assert migrate(ch, [*load_migrations(), fixed]) == ["901_broken"]  # the half-made table is fine
    assert {"half", "oops"} <= {r["name"] for r in ch.query("SHOW TABLES")}


def test_migrating_a_live_database_keeps_its_data(ch: ClickHouse) -> None:
    from tests.integration.storage.rows import mention, tuples

    ch.insert("mentions", MENTION_COLUMNS, tuples([mention("weibo:1")]))
    ch.execute("DROP TABLE schema_migrations")  # as if the bookkeeping were lost: everything re-runs
    assert migrate(ch) == [m.label for m in load_migrations()]
    assert ch.query("SELECT event_id FROM mentions") == [{"event_id": "weibo:1"}]


def test_an_added_column_is_added_once_even_when_the_migration_runs_again(ch: ClickHouse) -> None:
    # ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS: the runner skips a column the table already has
    sql = ("ALTER TABLE dead_letters ADD COLUMN note String;\n"
           "CREATE TABLE IF NOT EXISTS oops2 (x Strin) ENGINE = MergeTree() ORDER BY x;\n")  # fmt: skip
    with pytest.raises(StorageError, match="902_add_note, statement 2 of 2"):
        migrate(ch, [*load_migrations(), Migration("902", "add_note", sql)])
    assert [r["name"] for r in ch.query("DESCRIBE TABLE dead_letters")][-1] == "note"  # statement 1 ran
    fixed = Migration("902", "add_note", sql.replace("Strin)", "String)"))
    assert migrate(ch, [*load_migrations(), fixed]) == ["902_add_note"]
    assert [r["name"] for r in ch.query("DESCRIBE TABLE dead_letters")].count("note") == 1


class _Racing:
    """A real connection whose first ADD COLUMN is beaten by another process adding the same column."""

    def __init__(self, ch: ClickHouse, other: ClickHouse) -> None:
        self.ch, self.other, self.raced = ch, other, False

    def __getattr__(self, name: str) -> object:
        return getattr(self.ch, name)

    def execute(self, sql: str, params: object = None) -> None:
        if "ADD COLUMN" in sql and not self.raced:
            self.raced = True
            self.other.execute(sql)  # the other worker's migration gets there first
        self.ch.execute(sql, params)  # type: ignore[arg-type]


def test_two_processes_adding_the_same_column_at_once_both_succeed(ch: ClickHouse, clickhouse_url: str) -> None:
    # two workers starting together both see the column missing, then both ALTER: the second must not fail
    other = connect(clickhouse_url)
    try:
        racing = _Racing(ch, other)
        plan = [*load_migrations(), Migration("903", "race", "ALTER TABLE dead_letters ADD COLUMN note2 String;\n")]
        assert migrate(racing, plan) == ["903_race"]  # type: ignore[arg-type]
        assert racing.raced
        assert [r["name"] for r in ch.query("DESCRIBE TABLE dead_letters")].count("note2") == 1
    finally:
        other.close()


SLOW_BACKFILL = Migration("901", "slow_backfill",
                          "CREATE TABLE IF NOT EXISTS slow (x UInt8) ENGINE = MergeTree() ORDER BY x;\n"
                          "INSERT INTO slow SELECT toUInt8(sleep(2)) FROM system.one;\n")


def test_a_backfill_may_outlast_the_connections_timeout(clickhouse_server: ClickHouseServer) -> None:
    # The server sends nothing while an INSERT ... SELECT runs: on the connection's own 1-s timeout the
    # backfill would fail (and fail again at every start); the migration runs it on a patient connection.
    url = clickhouse_server.url(f"t_{uuid.uuid4().hex[:12]}")
    conn = connect(url + "?send_receive_timeout=1")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS probe (x UInt8) ENGINE = MergeTree() ORDER BY x")
        with pytest.raises(StorageError):
            conn.execute("INSERT INTO probe SELECT toUInt8(sleep(2)) FROM system.one")
        assert migrate(conn, [SLOW_BACKFILL]) == ["901_slow_backfill"]
        assert conn.query("SELECT count() AS n FROM slow") == [{"n": 1}]
    finally:
        conn.close()
        cleanup = connect(url)
        cleanup.execute(f"DROP DATABASE IF EXISTS {cleanup.database}")
        cleanup.close()
