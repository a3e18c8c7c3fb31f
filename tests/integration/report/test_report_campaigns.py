"""The daily report shows the tracked campaigns' funnels in its period, and nothing when there is none."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.report.data import build_report
from pipeline.report.html import render_html
from pipeline.report.markdown import render_markdown
from pipeline.report.period import Period
from tests.integration.tracking.funnel_data import CAMPAIGN, make_links, store, stream

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
TITLE = "营销活动转化"


def test_the_report_includes_campaigns_when_any_exist(ch) -> None:  # type: ignore[no-untyped-def]
    period = Period.containing("day", NOW.date())
    before = build_report(ch, period, "", [])
    assert before.campaigns == [] and TITLE not in render_markdown(before)
    s = stream(make_links(ch), NOW)
    store(ch, s)
    report = build_report(ch, period, "", [], attribution_days=7)
    [row] = report.campaigns
    assert row.key == CAMPAIGN
    assert row.clicks == sum(period.start_at <= c.clicked_at < period.end_at for c in s.clicks)
    assert row.orders == sum(period.start_at <= o.ordered_at < period.end_at for o in s.conversions
                             if "stale" not in o.order_id)
    assert TITLE in render_markdown(report) and TITLE in render_html(report)
