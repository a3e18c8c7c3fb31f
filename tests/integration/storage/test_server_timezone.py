"""A server whose time zone is not UTC stores and returns the same UTC times."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipeline.storage import ClickHouse, connect
from pipeline.storage.migrate import migrate
from pipeline.storage.tables import MENTION_COLUMNS
from tests.fixtures.clickhouse import ClickHouseServer
from tests.integration.storage.rows import mention, tuples

pytestmark = pytest.mark.integration

BEIJING = timezone(timedelta(hours=8))
LATE = datetime(2024, 5, 1, 22, 30, 15, tzinfo=UTC)  # 06:30 the next day in Beijing


@pytest.fixture(scope="module")
def shanghai_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseServer]:
    server = ClickHouseServer(tmp_path_factory.mktemp("clickhouse_shanghai"), timezone="Asia/Shanghai")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.kill()


@pytest.fixture
def shanghai(shanghai_server: ClickHouseServer) -> Iterator[ClickHouse]:
    ch = connect(shanghai_server.url("tz"))
    migrate(ch)
    yield ch
    ch.execute("DROP DATABASE tz")
    ch.close()


def test_times_are_utc_whatever_the_server_zone(shanghai: ClickHouse) -> None:
    assert shanghai.query("SELECT timezone() AS tz") == [{"tz": "Asia/Shanghai"}]
    shanghai.insert(
        "mentions",
        MENTION_COLUMNS,
        tuples(
            [
                mention("weibo:aware", created_at=LATE, brands=["蒙牛"]),
                mention("weibo:naive", created_at=LATE.replace(tzinfo=None), brands=["蒙牛"]),
                mention("weibo:beijing", created_at=LATE.astimezone(BEIJING), brands=["蒙牛"]),
            ]
        ),
    )
    rows = shanghai.query("SELECT created_at, toUnixTimestamp(created_at) AS ts FROM mentions")
    assert {(r["created_at"], r["ts"]) for r in rows} == {(LATE.replace(tzinfo=None), int(LATE.timestamp()))}
    assert shanghai.query("SELECT bucket, events FROM rollup_hour WHERE signal = 'mention'") == [
        {"bucket": datetime(2024, 5, 1, 22, 0), "events": 3}
    ]
    assert shanghai.query("SELECT day, mentions FROM share_of_voice_daily") == [{"day": LATE.date(), "mentions": 3}]
    assert shanghai.query("SELECT count() AS n FROM mentions WHERE created_at = %(t)s", {"t": LATE}) == [{"n": 3}]
    now = shanghai.query("SELECT now() AS now")[0]["now"]  # a plain DateTime, in the server's zone on the wire
    assert abs(now - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)
