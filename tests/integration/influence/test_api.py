"""The influence endpoints: in /openapi.json, behind a token, with results on the demo data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pipeline.storage import ClickHouse
from tests.integration.search.web import READER, search_app

pytestmark = pytest.mark.integration

AUTH = {"Authorization": f"Bearer {READER}"}
PATHS = ["/api/events"]
"""Endpoints of issue 25, as they appear in /openapi.json."""


@pytest.fixture(scope="module")
def client(demo_ch: ClickHouse) -> Iterator[TestClient]:
    with TestClient(search_app(demo_ch)) as c:
        yield c


def test_endpoints_are_documented_and_need_a_token(client: TestClient) -> None:
    documented = client.get("/openapi.json").json()["paths"]
    for path in PATHS:
        assert path in documented
        assert client.get(path).status_code == 401


def test_events_on_the_demo_data(client: TestClient) -> None:
    events = client.get("/api/events", params={"limit": 5}, headers=AUTH).json()
    assert len(events) == 5 and events[0]["posts"] >= events[-1]["posts"] >= 2
    top = events[0]
    assert sum(h["posts"] for h in top["timeline"]) == top["posts"]
    one = client.get(f"/api/events/{top['event_id']}", params={"members": 3}, headers=AUTH).json()
    assert one["posts"] == top["posts"] and len(one["members"]) == 3
    assert client.get("/api/events/weibo:nope", headers=AUTH).status_code == 404
    later = client.get("/api/events", params={"from": "2030-01-01T00:00:00Z"}, headers=AUTH).json()
    assert later == []
    copies = client.get("/api/events", params={"platform": "weibo", "min_posts": 3}, headers=AUTH).json()
    assert copies and all("weibo" in e["platforms"] and e["posts"] >= 3 for e in copies)
