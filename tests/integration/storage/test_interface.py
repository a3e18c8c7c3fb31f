"""The ClickHouse interface on both backends: values, parameters, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import StorageError, StorageUnavailable
from pipeline.storage import ClickHouse, connect
from pipeline.storage.tables import MENTION_COLUMNS
from tests.integration.storage.rows import T0, mention, tuples

pytestmark = pytest.mark.integration

BEIJING = timezone(timedelta(hours=8))
HOSTILE = [
    "'; DROP TABLE mentions; --",
    "quote' double\" back`tick",
    "back\\slash",
    "trailing backslash\\",
    "\\'",
    "\\\\'",
    "%(other)s and %s and %%",
    "nul\x00byte",
    "换行\n制表\t回车\r",
    "bell\x07 vtab\x0b formfeed\x0c backspace\x08 ctrl-z\x1a",
    "emoji 🥛 and 𠮷",
    "",
]


def stored(ch: ClickHouse, event_id: str) -> dict[str, object]:
    rows = ch.query("SELECT * FROM mentions WHERE event_id = %(id)s", {"id": event_id})
    assert len(rows) == 1, rows
    return rows[0]


def test_identity(ch: ClickHouse) -> None:
    assert ch.backend in ("native", "chdb")
    if ch.backend == "native":
        assert ch.server_version[:2] == (18, 16)
    else:
        assert ch.server_version[0] >= 24
    assert ch.query("SELECT currentDatabase() AS db")[0]["db"] == ch.database
    ch.ping()


def test_a_full_row_round_trips(ch: ClickHouse) -> None:
    row = mention(
        "weibo:1", brands=["蒙牛", "伊利"], signals=["buyer"], text="特仑苏真好喝🥛\n第二行", title="标题",
        created_at=datetime(2024, 5, 1, 16, 30, 15, tzinfo=BEIJING), ingested_at=datetime(2024, 5, 1, 9, 0, 0),
        reads=2**64 - 1, author_followers=2**63 + 7, urls=["https://t.cn/A6x?a=1&b='2'"], repost_depth=65535,
        evidence='{"buyer": ["回购"]}', sentiment_score=0.25, author_verified=True,
    )  # fmt: skip
    ch.insert("mentions", MENTION_COLUMNS, tuples([row]))
    got = stored(ch, "weibo:1")
    want = dict(row)
    want["created_at"] = datetime(2024, 5, 1, 8, 30, 15)  # aware -> naive UTC
    want["author_verified"] = 1  # bool stored in UInt8
    assert got == want
    assert list(got) == list(MENTION_COLUMNS)


def test_types_nullable_arrays_and_times(ch: ClickHouse) -> None:
    ch.insert(
        "mentions",
        MENTION_COLUMNS,
        tuples(
            [
                mention("a:1", reads=None, tokens=[], created_at=T0),
                mention("a:2", reads=0, tokens=["", "中文", "x'y"], created_at=T0.replace(tzinfo=None)),
                mention("a:3", reads=5, sentiment_score=0.1, created_at=T0.astimezone(BEIJING)),
            ]
        ),
    )
    rows = ch.query(
        "SELECT event_id, reads, tokens, created_at, toUnixTimestamp(created_at) AS ts, sentiment_score, "
        "toTypeName(created_at) AS t FROM mentions ORDER BY event_id"
    )
    assert [r["reads"] for r in rows] == [None, 0, 5]
    assert [r["tokens"] for r in rows] == [[], ["", "中文", "x'y"], ["特仑苏", "真", "好喝"]]
    assert {r["created_at"] for r in rows} == {T0.replace(tzinfo=None)}  # aware, naive-UTC and +08:00 agree
    assert {r["ts"] for r in rows} == {int(T0.timestamp())}
    assert {r["t"] for r in rows} == {"DateTime('UTC')"}
    assert rows[2]["sentiment_score"] == pytest.approx(0.1, rel=1e-6)  # Float32, widened the same way
    assert all(isinstance(r["created_at"], datetime) and r["created_at"].tzinfo is None for r in rows)


def test_plain_datetime_expressions_are_utc_too(ch: ClickHouse) -> None:
    row = ch.query(
        "SELECT now() AS server_now, toDateTime('2024-05-01 08:30:15', 'Asia/Shanghai') AS shanghai, "
        "toStartOfHour(%(t)s) AS hour, toDate(%(t)s) AS day",
        {"t": T0},
    )[0]
    assert abs(row["server_now"] - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)
    assert row["shanghai"] == datetime(2024, 5, 1, 0, 30, 15)
    assert row["hour"] == datetime(2024, 5, 1, 22, 0)
    assert row["day"] == T0.date()


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_parameters_are_escaped(ch: ClickHouse, text: str) -> None:
    assert ch.query("SELECT %(s)s AS s, length(%(s)s) AS n", {"s": text})[0] == {"s": text, "n": len(text.encode())}
    ch.insert("mentions", MENTION_COLUMNS, tuples([mention("weibo:x", text=text, tokens=[text])]))
    rows = ch.query(
        "SELECT event_id, text FROM mentions WHERE text = %(t)s AND has(tokens, %(t)s) AND event_id IN %(ids)s",
        {"t": text, "ids": ("weibo:x", text)},
    )
    assert rows == [{"event_id": "weibo:x", "text": text}]
    assert ch.query("SELECT count() AS n FROM mentions WHERE text = %(t)s", {"t": text + "'"})[0]["n"] == 0
    assert "mentions" in {r["name"] for r in ch.query("SHOW TABLES")}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(codec="utf-8"), max_size=40))
def test_any_text_survives_a_parameter_round_trip(ch: ClickHouse, text: str) -> None:
    assert ch.query("SELECT %(s)s AS s", {"s": text}) == [{"s": text}]


def test_typed_parameters(ch: ClickHouse) -> None:
    ch.insert("mentions", MENTION_COLUMNS, tuples([mention("weibo:1", brands=["蒙牛"]), mention("weibo:2")]))
    rows = ch.query(
        "SELECT event_id FROM mentions WHERE created_at = %(t)s AND hasAny(brands, %(b)s) AND own_brand = %(own)s "
        "AND reads IS %(null)s AND sentiment_score < %(f)s ORDER BY event_id",
        {"t": T0.astimezone(BEIJING), "b": ["蒙牛", "x"], "own": True, "null": None, "f": 0.75},
    )
    assert rows == [{"event_id": "weibo:1"}]
    assert ch.query("SELECT count() AS n FROM mentions WHERE event_id LIKE 'weibo:%%' AND 1 = %(one)s", {"one": 1}) == [
        {"n": 2}
    ]
    assert ch.query("SELECT count() AS n FROM mentions WHERE event_id LIKE 'weibo:%'")[0]["n"] == 2


def test_empty_results_and_empty_inserts(ch: ClickHouse) -> None:
    ch.insert("mentions", MENTION_COLUMNS, [])
    assert ch.query("SELECT * FROM mentions") == []
    assert ch.query("CREATE TABLE IF NOT EXISTS scratch (x String) ENGINE = MergeTree() ORDER BY x") == []


def test_refusals_are_permanent_errors_with_useful_messages(ch: ClickHouse) -> None:
    with pytest.raises(StorageError, match=r"SELECT \* FROM no_such_table.*migrate") as missing:
        ch.query("SELECT * FROM no_such_table")
    assert not isinstance(missing.value, StorageUnavailable)
    with pytest.raises(StorageError, match="SELEC oops") as syntax:
        ch.execute("SELEC oops")
    assert not isinstance(syntax.value, StorageUnavailable)
    bad = list(tuples([mention("weibo:bad")])[0])
    bad[MENTION_COLUMNS.index("likes")] = "many"  # a string for a UInt64
    with pytest.raises(StorageError, match="INSERT INTO mentions") as mismatch:
        ch.insert("mentions", MENTION_COLUMNS, [tuple(bad)])
    assert not isinstance(mismatch.value, StorageUnavailable)
    with pytest.raises(StorageError):
        ch.insert("mentions", MENTION_COLUMNS[:3], tuples([mention("weibo:short")]))  # 44 values for 3 columns
    with pytest.raises(StorageError, match="invalid identifier"):
        ch.insert("mentions; DROP TABLE dead_letters", ["a"], [(1,)])
    with pytest.raises(StorageError, match="invalid identifier"):
        ch.insert("mentions", ["event_id`, `x"], [("a",)])
    with pytest.raises(StorageError, match="cannot pass"):
        ch.query("SELECT %(x)s", {"x": object()})
    ch.ping()  # still usable after all of that
    assert ch.query("SELECT count() AS n FROM mentions")[0]["n"] == 0


def test_closed_connections_refuse_calls(clickhouse_url: str) -> None:
    conn = connect(clickhouse_url)
    conn.close()
    conn.close()  # idempotent
    with pytest.raises(StorageError, match="closed"):
        conn.ping()
