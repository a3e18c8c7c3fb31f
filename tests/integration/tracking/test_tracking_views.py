"""The funnel views on both backends (chDB and clickhouse-server 18.16): exact, and unchanged by repeats."""

from __future__ import annotations

import pytest

from pipeline.tracking import funnel as funnel_module
from tests.integration.tracking.funnel_data import CAMPAIGN, expected, make_links, middle, store, stream

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
