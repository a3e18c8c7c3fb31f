"""The shipped migration files and the statement splitter (no database)."""

from __future__ import annotations

import re

import pytest

from pipeline.errors import StorageError
from pipeline.storage.migrate import Migration, _ordered, load_migrations

# Features Debian's clickhouse-server 18.16 does not have; the shipped DDL must avoid them.
NOT_ON_18_16 = re.compile(
    r"DateTime64|\bMap\(|\bJSON[A-Za-z]*\(|\bTTL\b|LowCardinality|ADD COLUMN IF|OR REPLACE", re.IGNORECASE
)


# Statements that can run again on a live database without harm (the runner skips an ADD COLUMN
# whose column exists; inserting event-id sets into a rollup again changes none of its figures).
IDEMPOTENT = re.compile(
    r"(CREATE (TABLE|MATERIALIZED VIEW|VIEW|DATABASE) IF NOT EXISTS |ALTER TABLE \w+ ADD COLUMN \w+ "
    r"|DROP TABLE IF EXISTS \w+$"  # a view only, created again (test below)
    r"|INSERT INTO \w+\s+SELECT [^;]*uniqExactState\(event_id\)"  # the backfill of a rollup of sets (016)
    r"|INSERT INTO \w+\s+SELECT [^;]*uniqExactState\(cityHash64\(event_id\)\)"  # ... of hashed ids (024)
    r"|INSERT INTO post_engagement\s+SELECT [^;]*version\s+FROM mentions"  # a versioned copy, read FINAL (021)
    r"|INSERT INTO hot_event_states\s+SELECT [^;]*FROM hot_event_rollup$"  # sets and extremes, copied (022)
    r"|INSERT INTO (minute|hour|term_day)_sets\s+SELECT [^;]*events FROM (mention_sets_(minute|hour)|term_sets_daily)$)"
    # sets copied (027)
)


def test_splits_at_lines_ending_with_semicolon() -> None:
    mig = Migration("001", "x", "-- comment; not a statement\nCREATE TABLE a\n(x String);\n\nSELECT ';'\n;\nSELECT 2")
    assert mig.statements() == ["CREATE TABLE a\n(x String)", "SELECT ';'", "SELECT 2"]


def test_semicolon_inside_a_line_does_not_split() -> None:
    assert Migration("001", "x", "SELECT 'a;b'; \n").statements() == ["SELECT 'a;b'"]


def test_checksum_ignores_line_ending_style_only() -> None:
    a = Migration("001", "x", "SELECT 1;\nSELECT 2;\n")
    assert a.checksum == Migration("001", "x", "SELECT 1;\r\nSELECT 2;\r\n").checksum
    assert a.checksum != Migration("001", "x", "SELECT 1;\nSELECT 3;\n").checksum


def test_shipped_migrations_are_ordered_idempotent_and_portable() -> None:
    migrations = load_migrations()
    versions = [m.version for m in migrations]
    assert versions[:3] == ["001", "002", "003"]
    assert versions == sorted(set(versions))
    for mig in migrations:
        statements = mig.statements()
        assert statements, mig.label
        for statement in statements:
            assert IDEMPOTENT.match(statement), f"{mig.label}: not idempotent: {statement[:80]}"
            assert not NOT_ON_18_16.search(statement), f"{mig.label}: {statement[:80]}"


def test_a_migration_drops_only_views_that_it_creates_again() -> None:
    # 18.16 has no CREATE OR REPLACE VIEW: a view gets a new query by DROP and CREATE in one migration.
    # Data is never dropped: the name must be a view of an earlier migration, or a materialized view
    # (all of them write TO a table of their own, which stays) that a migration retires.
    migrations = load_migrations()
    created: dict[str, str] = {}
    for mig in migrations:
        statements = mig.statements()
        for statement in statements:
            if (dropped := re.match(r"DROP TABLE IF EXISTS (\w+)$", statement)) is None:
                continue
            name = dropped.group(1)
            if created.get(name) == "MATERIALIZED VIEW":  # it writes TO a table, which stays: no data goes
                continue
            assert created.get(name) == "VIEW", f"{mig.label} drops {name}, not a view of an earlier migration"
            assert any(s.startswith(f"CREATE VIEW IF NOT EXISTS {name} AS") for s in statements), mig.label
        for statement in statements:
            if made := re.match(r"CREATE (TABLE|MATERIALIZED VIEW|VIEW) IF NOT EXISTS (\w+)", statement):
                created[made.group(2)] = made.group(1)
    assert {n for n, kind in created.items() if kind == "VIEW"} >= {"author_stats", "author_quality"}


def test_duplicate_versions_are_refused() -> None:
    with pytest.raises(StorageError, match="share version 002"):
        _ordered([Migration("002", "a", ""), Migration("002", "b", "")])
