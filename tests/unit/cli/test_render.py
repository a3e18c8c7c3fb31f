"""The terminal tables of ``stats`` and ``demo``: no table without rows."""

from __future__ import annotations

from pipeline.cli.render import console, render_demo, render_stats


def test_stats_print_their_totals_and_breakdowns() -> None:
    with console.capture() as out:
        render_stats({"mentions": 1200, "buyers": 30, "by_platform": {"weibo": 1000, "qq": 200}})
    text = out.get()
    assert "Totals (unique" in text and "1,200" in text and "Events by platform" in text


def test_the_demo_prints_its_own_totals_and_no_empty_totals_table() -> None:
    summary = {"events_in": 3060, "events_stored": 3000, "buyers": 1074, "by_platform": {"weibo": 1982}}
    with console.capture() as out:
        render_demo(summary)
    text = out.get()
    assert "Demo run" in text and "3,000" in text and "Events by platform" in text
    assert "Totals" not in text
