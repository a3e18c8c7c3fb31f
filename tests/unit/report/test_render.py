"""Rendering a report whose texts are hostile: escaped in HTML (valid HTML5) and in Markdown; font lookup."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import html5lib
import pytest
from matplotlib import font_manager

from pipeline.report import charts
from pipeline.report.html import render_html
from pipeline.report.markdown import md_escape, render_markdown
from pipeline.report.models import Author, BrandVolume, Cascade, Desk, Post, Report, Series, SpikeAlert
from pipeline.report.period import Period, Trend

EVIL = '<script>alert("x")</script>|**b**\n[l](javascript:x)&amp;'


def t(current: int, previous: int) -> Trend:
    return Trend(current=current, previous=previous)


def hostile_report() -> Report:
    period = Period.containing("day", date(2024, 6, 17))
    at = datetime(2024, 6, 17, 3, tzinfo=UTC)
    return Report(
        period=period, previous=period.previous(), brand="蒙牛" + EVIL, generated_at=at,
        mentions=t(10, 8), buyers=t(2, 1), service_requests=t(1, 0), purchase_intent=t(0, 0),
        sentiment={"positive": t(5, 4), "neutral": t(2, 2), "negative": t(3, 2)},
        service_categories={"quality": t(1, 0), EVIL: t(0, 1)},
        share_of_voice=[BrandVolume(brand="蒙牛", own=True, volume=t(6, 5), share=0.6, previous_share=0.5),
                        BrandVolume(brand=EVIL, own=False, volume=t(4, 5), share=0.4, previous_share=0.5)],
        series=[Series(brand="蒙牛", counts=[1] * 24), Series(brand=EVIL, counts=[0] * 24)],
        top_posts=[Post(event_id="weibo:1", platform="weibo", author_name=EVIL, created_at=at, text=EVIL,
                        engagement=3, sentiment="negative")],
        top_authors=[Author(platform="weibo", author_id="1", author_name=EVIL, followers=1, mentions=2,
                            engagement=3)],
        cascades=[Cascade(root_id="weibo:1", platform="weibo", root_author=EVIL, root_text=EVIL, size=9,
                          max_depth=3, unique_reposters=8, suspect_share=0.5, suspected_amplification=True,
                          amplification_score=0.8)],
        amplified_cascades=1,
        alerts=[SpikeAlert(fired_at=at, brand=EVIL, signal="negative", count=12, threshold=6.0, severity=EVIL,
                           explanation=EVIL)],
        desk=Desk(opened=t(1, 0), answered=1, resolved=0, avg_first_response_minutes=20.0,
                  first_response_breaches=0, resolution_breaches=0, backlog=3, overdue=1),
    )


def test_html_escapes_every_stream_text_and_is_valid_html5() -> None:
    page = render_html(hostile_report())
    assert "<script>" not in page and "javascript:x)" in page  # text, not a link
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&amp;amp;" in page  # an entity in the stream stays literal text
    html5lib.HTMLParser(strict=True).parse(page)  # raises on any parse error
    assert page.count('src="data:image/png;base64,') == len(charts.CHARTS)


def test_markdown_escapes_cells() -> None:
    assert md_escape("a|b\nc *d* <e>") == r"a\|b c \*d\* &lt;e&gt;"
    text = render_markdown(hostile_report())
    assert "<script>" not in text and "|**b**" not in text
    for block in text.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in rows}
        assert len(widths) <= 1, block  # every row of a table has as many cells as its header


def test_missing_cjk_font_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    with pytest.raises(charts.FontMissing, match="fonts-wqy-microhei"):
        charts.cjk_family.__wrapped__()


def test_an_empty_period_renders_in_every_format() -> None:
    from pipeline.report.make import render

    period = Period.containing("week", date(2024, 6, 17))
    zero = t(0, 0)
    empty = Report(
        period=period, previous=period.previous(), brand="", generated_at=datetime(2024, 6, 24, tzinfo=UTC),
        mentions=zero, buyers=zero, service_requests=zero, purchase_intent=zero,
        sentiment={"positive": zero, "neutral": zero, "negative": zero}, service_categories={}, share_of_voice=[],
        series=[], top_posts=[], top_authors=[], cascades=[], amplified_cascades=0, alerts=[],
        desk=Desk(opened=zero, answered=0, resolved=0, avg_first_response_minutes=None, first_response_breaches=0,
                  resolution_breaches=0, backlog=0, overdue=0),
    )
    assert empty.empty
    page = render(empty, "html").decode("utf-8")
    html5lib.HTMLParser(strict=True).parse(page)
    assert "本期没有提及" in page
    assert render(empty, "pdf").startswith(b"%PDF")
    assert "| 提及 | 0 | 0 | 持平 |" in render(empty, "md").decode("utf-8")
