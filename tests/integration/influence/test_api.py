"""The influence endpoints: in /openapi.json, behind a token, with results on the demo data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pipeline.storage import ClickHouse
from schemas.events import Kind
from tests.integration.influence.conftest import demo_items
from tests.integration.search.web import READER, search_app

pytestmark = pytest.mark.integration

AUTH = {"Authorization": f"Bearer {READER}"}
PATHS = ["/api/events", "/api/kols", "/api/trends", "/api/platform-roles", "/api/accounts/{platform}/{author_id}/index",
         "/api/posts/{event_id}/performance"]
"""Endpoints of issue 25, as they appear in /openapi.json."""


@pytest.fixture(scope="module")
def client(demo_ch: ClickHouse) -> Iterator[TestClient]:
    with TestClient(search_app(demo_ch)) as c:
        yield c


def test_endpoints_are_documented_and_need_a_token(client: TestClient) -> None:
    documented = client.get("/openapi.json").json()["paths"]
    for path in PATHS:
        assert path in documented
        concrete = path.format(platform="weibo", author_id="1", event_id="weibo:1")
        assert client.get(concrete, params={"brand": "蒙牛"}).status_code == 401


def test_events_on_the_demo_data(client: TestClient) -> None:
    events = client.get("/api/events", params={"limit": 5}, headers=AUTH).json()
    assert len(events) == 5 and events[0]["posts"] >= events[-1]["posts"] >= 2
    top = events[0]
    assert sum(h["posts"] for h in top["timeline"]) == top["posts"]
    texts = {i.event.id: i.event.text for i in demo_items()}
    assert top["first_text"] and texts[top["first_post"]].startswith(top["first_text"])
    one = client.get(f"/api/events/{top['event_id']}", params={"members": 3}, headers=AUTH).json()
    assert one["posts"] == top["posts"] and len(one["members"]) == 3
    for listed in events:  # one event, read through the primary key, is its row of the hot_events view
        alone = client.get(f"/api/events/{listed['event_id']}", headers=AUTH).json()
        assert {k: alone[k] for k in listed} == listed
        assert len(alone["members"]) == min(listed["posts"], 100)
    assert all(texts[m["mention_id"]].startswith(m["text"]) for m in one["members"])
    assert client.get("/api/events/weibo:nope", headers=AUTH).status_code == 404
    later = client.get("/api/events", params={"from": "2030-01-01T00:00:00Z"}, headers=AUTH).json()
    assert later == []
    copies = client.get("/api/events", params={"platform": "weibo", "min_posts": 3}, headers=AUTH).json()
    assert copies and all("weibo" in e["platforms"] and e["posts"] >= 3 for e in copies)


def test_engagement_index_of_an_account_and_a_post(client: TestClient) -> None:
    posts = [i for i in demo_items() if i.event.kind is Kind.article and i.event.engagement.reads]
    article = posts[0].event
    perf = client.get(f"/api/posts/{article.id}/performance", headers=AUTH).json()
    assert perf["reads"] == article.engagement.reads and perf["post_index"] > 0
    assert perf["reach_rate"] == pytest.approx(article.engagement.reads / article.author.followers)
    index = client.get(f"/api/accounts/wechat/{article.author.id}/index", headers=AUTH).json()
    day = next(d for d in index["days"] if d["day"] == article.created_at.date().isoformat())
    assert day["posts"] >= 1 and day["account_index"] > 0 and day["reach_rate"] > 0
    assert client.get("/api/accounts/wechat/nobody/index", headers=AUTH).status_code == 404
    comment = next(i.event for i in demo_items() if i.event.kind is Kind.comment)
    assert client.get(f"/api/posts/{comment.id}/performance", headers=AUTH).status_code == 404


def test_kols_rank_authors_of_a_brand_and_export(client: TestClient) -> None:
    params = {"brand": "蒙牛", "from": "2024-06-14", "to": "2024-06-17", "limit": 1000}
    ranked = client.get("/api/kols", params=params, headers=AUTH).json()
    assert len(ranked) >= 10
    assert [r["score"] for r in ranked] == sorted((r["score"] for r in ranked), reverse=True)
    assert all(r["brand_posts"] >= 1 and 0 <= r["quality"] <= 1 for r in ranked)
    by_reach = client.get("/api/kols", params={**params, "sort": "reach"}, headers=AUTH).json()
    assert by_reach[0]["followers"] == max(r["followers"] for r in ranked)
    csv = client.get("/api/kols", params={**params, "format": "csv", "limit": 3}, headers=AUTH)
    assert csv.headers["content-type"].startswith("text/csv")
    assert len(csv.content.decode("utf-8-sig").strip().splitlines()) == 4
    assert client.get("/api/kols", params={**params, "sort": "bogus"}, headers=AUTH).status_code == 422


def test_trends_and_platform_roles(client: TestClient) -> None:
    found = client.get("/api/trends", params={"brand": "蒙牛", "window": 1}, headers=AUTH).json()
    assert found["until"] == "2024-06-17" and found["terms"] and found["new_words"]
    assert all(t["novelty"] > 0 and t["mentions"] > 0 for t in found["terms"])
    roles = {r["platform"]: r for r in client.get("/api/platform-roles", headers=AUTH).json()}
    assert {"weibo", "wechat", "qq"} <= set(roles)
    assert roles["weibo"]["max_depth"] >= 1 and roles["weibo"]["reposts_per_post"] > 0
    groups = client.get("/api/platform-roles", params={"groups": "true"}, headers=AUTH).json()
    assert {g["group_id"] for g in groups} == {"qq-group-0", "qq-group-1"}
