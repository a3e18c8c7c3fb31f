"""The funnel views on both backends (chDB and clickhouse-server 18.16): exact, and unchanged by repeats."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pipeline.tracking import funnel as funnel_module
from tests.integration.tracking.funnel_data import CAMPAIGN, expected, make_links, middle, store, stream
from tests.integration.tracking.web_app import READER, tracking_app

pytestmark = pytest.mark.integration


def test_funnel_is_exact_and_replays_change_nothing(ch) -> None:  # type: ignore[no-untyped-def]
    codes = make_links(ch)
    s = stream(codes)
    for _ in range(2):  # the same events written twice (a replay), with newer versions
        store(ch, s)
    want = expected(s)
    [row] = funnel_module.funnel(ch, by="campaign", campaign=CAMPAIGN, days=7)
    assert (row.clicks, row.bot_clicks, row.visitors, row.engaged_visitors, row.orders) == (
        want.clicks, want.bot_clicks, want.visitors, want.engaged, want.orders)
    assert round(row.revenue * 100) == want.revenue_cents
    assert row.median_seconds_on_site in middle(want.dwell_ms, 0.5)
    assert row.p90_seconds_on_site in middle(want.dwell_ms, 0.9)
    assert funnel_module.unattributed(ch, days=7)["orders"] == want.unattributed
    # a 30-day window reaches the stale click: every order is attributed
    assert funnel_module.unattributed(ch, days=30)["orders"] == 0
    for by in ("post", "account", "platform", "day"):
        rows = funnel_module.funnel(ch, by=by, campaign=CAMPAIGN, days=7)
        assert sum(r.clicks for r in rows) == want.clicks and sum(r.orders for r in rows) == want.orders, by
    assert len(funnel_module.funnel(ch, by="post", campaign=CAMPAIGN)) == len(codes)
    kol = ch.query("SELECT account, clicks, orders FROM kol_funnel ORDER BY account")
    assert [r["account"] for r in kol] == ["kol0", "kol1", "kol2"]
    assert sum(int(r["clicks"]) for r in kol) == want.clicks - want.bot_clicks
    assert [c["campaign"] for c in funnel_module.campaigns(ch)] == [CAMPAIGN]


def test_campaign_api_answers_from_the_views(ch) -> None:  # type: ignore[no-untyped-def]
    codes = make_links(ch)
    s = stream(codes)
    store(ch, s)
    want = expected(s)
    app, _, _ = tracking_app(ch, "127.0.0.1:1", "unused.")  # nothing is sent: the outbox stays idle

    async def calls() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            auth = {"authorization": f"Bearer {READER}"}
            return [await client.get("/api/campaigns", headers=auth),
                    await client.get(f"/api/campaigns/{CAMPAIGN}/funnel", params={"by": "post"}, headers=auth),
                    await client.get("/api/campaigns/nothing/funnel", headers=auth),
                    await client.get(f"/api/campaigns/{CAMPAIGN}/funnel", params={"by": "author"}, headers=auth)]

    listed, by_post, missing, bad = asyncio.run(calls())
    body = listed.json()
    assert body["attribution_days"] == 7 and body["unattributed"]["orders"] == want.unattributed
    [campaign] = body["campaigns"]
    assert campaign["campaign"] == CAMPAIGN and campaign["links"] == len(codes)
    assert (campaign["funnel"]["clicks"], campaign["funnel"]["orders"]) == (want.clicks, want.orders)
    rows = by_post.json()["rows"]
    assert sorted(r["key"] for r in rows) == ["weibo:1000", "weibo:1001", "weibo:1002"]
    assert sum(r["visitors"] for r in rows) >= want.visitors  # a visitor may land from two posts
    assert (missing.status_code, bad.status_code) == (404, 422)
