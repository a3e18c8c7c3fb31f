"""``/api/mentions``, ``/api/searches`` and the export endpoints through the web app on real chDB."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipeline.storage import connect
from pipeline.storage.migrate import migrate
from pipeline.storage.tables import MENTION_COLUMNS
from tests.integration.search.data import rows
from tests.integration.search.web import OTHER, READER, search_app

pytestmark = pytest.mark.integration
H = {"Authorization": f"Bearer {READER}"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    ch = connect(f"chdb://{tmp_path_factory.mktemp('search_api') / 'chdb'}")
    migrate(ch)
    ch.insert("mentions", MENTION_COLUMNS, list(rows()))
    with TestClient(search_app(ch)) as c:
        yield c
    ch.close()


def test_search_needs_a_token_and_pages_with_counts(client: TestClient) -> None:
    assert client.get("/api/mentions", params={"q": "蒙牛"}).status_code == 401
    first = client.get("/api/mentions", params={"q": "NOT kind:comment", "limit": 5}, headers=H).json()
    assert len(first["hits"]) == 5 and first["next_cursor"] and first["counts"]["total"] > 5
    assert {"evidence", "signals", "brands", "text"} <= set(first["hits"][0])
    day = first["counts"]["by_day"][0]
    assert {"key", "count", "q", "from", "to"} <= set(day)
    second = client.get("/api/mentions", params={"q": "NOT kind:comment", "limit": 5, "cursor": first["next_cursor"],
                                                 "counts": "false"}, headers=H).json()
    assert second["counts"] is None and second["hits"][0]["event_id"] != first["hits"][0]["event_id"]


def test_a_malformed_query_gets_400_with_the_position(client: TestClient) -> None:
    resp = client.get("/api/mentions", params={"q": '蒙牛 AND ("退款 OR 物流)'}, headers=H)
    assert resp.status_code == 400
    assert resp.json()["detail"] == {"error": "unclosed quote", "position": 8}
    assert client.get("/api/mentions", params={"cursor": "!!"}, headers=H).status_code == 400
    assert client.get("/api/mentions/export", params={"q": "("}, headers=H).status_code == 400


def test_saved_searches_belong_to_their_user(client: TestClient) -> None:
    made = client.post("/api/searches", json={"name": "退款", "q": "退款 OR 退货"}, headers=H)
    assert made.status_code == 201
    sid = made.json()["search_id"]
    assert client.post("/api/searches", json={"name": "bad", "q": "a OR"}, headers=H).status_code == 400
    assert [s["search_id"] for s in client.get("/api/searches", headers=H).json()] == [sid]
    other = {"Authorization": f"Bearer {OTHER}"}
    assert client.get("/api/searches", headers=other).json() == []
    assert client.delete(f"/api/searches/{sid}", headers=other).status_code == 404
    assert client.get(f"/api/searches/{sid}/stream", headers=other).status_code == 404
    assert client.delete(f"/api/searches/{sid}", headers=H).status_code == 204
    assert client.get("/api/searches", headers=H).json() == []


def test_export_endpoints_stream_files(client: TestClient, tmp_path: Path) -> None:
    resp = client.get("/api/mentions/export", params={"q": "蒙牛 OR 伊利", "format": "csv"}, headers=H)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"), newline="")))
    total = client.get("/api/mentions", params={"q": "蒙牛 OR 伊利", "limit": 1}, headers=H).json()["counts"]["total"]
    assert len(table) == total > 0
    for fmt in ("xlsx", "parquet", "jsonl"):
        assert client.get("/api/mentions/export", params={"format": fmt}, headers=H).status_code == 200
    views = client.get("/api/views", headers=H).json()
    assert "share_of_voice_daily" in views
    assert client.get("/api/views/share_of_voice_daily/export", params={"format": "jsonl"}, headers=H).content
    assert client.get("/api/views/mentions;drop/export", headers=H).status_code == 404
