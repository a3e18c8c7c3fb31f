"""Parameter rendering and identifier checks (pure functions, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from uuid import UUID

import pytest

from pipeline.errors import StorageError
from pipeline.storage.sql import head, identifier, literal, render

BEIJING = timezone(timedelta(hours=8))


class Color(Enum):
    red = "red"


@pytest.mark.parametrize("name", ["mentions", "_x", "t_0123abcd", "A9"])
def test_identifiers_that_are_accepted(name: str) -> None:
    assert identifier(name) == name


@pytest.mark.parametrize("name", ["", "9a", "a-b", "a b", "t; DROP TABLE x", "`t`", "表", "a.b", "a\0"])
def test_identifiers_that_are_refused(name: str) -> None:
    with pytest.raises(StorageError, match="invalid identifier"):
        identifier(name)


@pytest.mark.parametrize(
    ("value", "sql"),
    [
        (None, "NULL"),
        (True, "1"),
        (False, "0"),
        (42, "42"),
        (-7, "-7"),
        (2**64 - 1, "18446744073709551615"),
        (1.5, "1.5"),
        (Decimal("2.50"), "2.50"),
        ("plain", "'plain'"),
        ("it's", "'it\\'s'"),
        ("back\\slash", "'back\\\\slash'"),
        ("nul\0byte", "'nul\\0byte'"),
        ("line\nbreak\ttab", "'line\\nbreak\\ttab'"),
        ("中文", "'中文'"),
        (date(2024, 5, 1), "toDate('2024-05-01')"),
        (datetime(2024, 5, 1, 8, 30, 15), "toDateTime('2024-05-01 08:30:15', 'UTC')"),
        (datetime(2024, 5, 1, 16, 30, 15, tzinfo=BEIJING), "toDateTime('2024-05-01 08:30:15', 'UTC')"),
        (datetime(2024, 5, 1, 8, 30, 15, tzinfo=UTC), "toDateTime('2024-05-01 08:30:15', 'UTC')"),
        (UUID(int=1), "'00000000-0000-0000-0000-000000000001'"),
        (Color.red, "'red'"),
        (["a", "b'"], "['a', 'b\\'']"),
        (("a", 1), "('a', 1)"),
        ({"b", "a"}, "('a', 'b')"),
        ([], "[]"),
        ([[1, 2], [3]], "[[1, 2], [3]]"),
        ([True, None], "[1, NULL]"),
    ],
)
def test_literals(value: object, sql: str) -> None:
    assert literal(value) == sql


@pytest.mark.parametrize("value", [object(), b"bytes", {"a": 1}, [object()]])
def test_unknown_types_are_refused_not_pasted(value: object) -> None:
    with pytest.raises(StorageError, match="cannot pass"):
        literal(value)


def test_render_substitutes_escaped_values_once() -> None:
    sql = render("SELECT %(a)s, %(b)s", {"a": "%(b)s", "b": "'; DROP TABLE mentions; --"})
    assert sql == "SELECT '%(b)s', '\\'; DROP TABLE mentions; --'"


def test_render_without_params_leaves_percent_signs_alone() -> None:
    assert render("SELECT 'a%' LIKE 'a%%'", None) == "SELECT 'a%' LIKE 'a%%'"
    assert render("SELECT 1", {}) == "SELECT 1"


def test_render_with_params_needs_doubled_percent() -> None:
    assert render("SELECT %(x)s LIKE 'a%%'", {"x": "abc"}) == "SELECT 'abc' LIKE 'a%'"
    with pytest.raises(StorageError, match="write a literal % as %%"):
        render("SELECT %(x)s LIKE 'a%'", {"x": "abc"})


def test_render_names_a_missing_parameter() -> None:
    with pytest.raises(StorageError, match="'y' is used in the SQL but not given"):
        render("SELECT %(x)s, %(y)s", {"x": 1})


def test_head_is_short() -> None:
    assert head("  SELECT a,\n b  FROM   t WHERE x = 1") == "SELECT a, b FROM t WHERE"
