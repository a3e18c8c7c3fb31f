"""The compose stack's read-only `bi` account (deploy/clickhouse/users.d/bi.xml) on clickhouse-server 18.16.

Grafana queries as `bi`: every dashboard query must work under it, and it must not be able to change data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from clickhouse_driver import Client
from clickhouse_driver.errors import ServerException

from pipeline.local.clickhouse_server import ClickHouseServer
from pipeline.storage import connect
from pipeline.storage.migrate import migrate
from tests.integration.deploy.dashboards import clickhouse_queries, expand, fill, utc_now, window

pytestmark = pytest.mark.integration
BI_XML = Path(__file__).resolve().parents[3] / "deploy" / "clickhouse" / "users.d" / "bi.xml"
PASSWORD = "bi-test-password"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseServer]:
    srv = ClickHouseServer(tmp_path_factory.mktemp("bi"), users_d=[BI_XML], env={"CLICKHOUSE_BI_PASSWORD": PASSWORD})
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
        srv.kill()


def test_bi_reads_every_dashboard_query_and_changes_nothing(server: ClickHouseServer) -> None:
    now = utc_now()
    writer = connect(server.url("sociallisten"))  # the pipeline's account migrates and writes
    try:
        migrate(writer)
        fill(writer, now)
        writer.execute("CREATE TABLE default.private (x UInt8) ENGINE = Memory")
    finally:
        writer.close()
    bi = Client(server.host, port=server.port, user="bi", password=PASSWORD, database="sociallisten")
    try:
        since, until = window(now)
        brands = [row[0] for row in bi.execute("SELECT DISTINCT brand FROM share_of_voice_daily")]
        for q in clickhouse_queries():
            bi.execute(expand(q.sql, since, until, brands))  # raises, naming the query, if bi may not run it
        assert bi.execute("SELECT count() FROM mentions")[0][0] > 0
        for statement in ("INSERT INTO alerts (brand) VALUES ('x')", "DROP TABLE mentions",
                          "CREATE TABLE t (x UInt8) ENGINE = Memory"):
            with pytest.raises(ServerException, match="(?i)readonly"):
                bi.execute(statement)
        with pytest.raises(ServerException, match="(?i)access denied"):
            bi.execute("SELECT count() FROM default.private")  # only the sociallisten database
        assert bi.execute("SELECT count() FROM mentions")[0][0] > 0
    finally:
        bi.disconnect()
    with pytest.raises(ServerException, match="(?i)password"):
        Client(server.host, port=server.port, user="bi", password="wrong").execute("SELECT 1")
