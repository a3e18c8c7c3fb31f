"""Readable terminal output (rich tables) for summaries; logs stay on stderr."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

from pipeline.safe_text import safe_cell

console = Console()


def _counts_table(title: str, counts: Mapping[str, Any], key: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(key)
    table.add_column("events", justify="right")
    for name, value in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(safe_cell(name) if name else "(none)", f"{value:,}")
    return table


def render_stats(totals: Mapping[str, Any]) -> None:
    """Print the ``stats`` totals as tables (the totals table only when it has a row: the demo prints its own)."""
    keys = [k for k in ("mentions", "buyers", "service_requests", "purchase_intent", "competitor_mentions",
                        "dead_lettered") if k in totals]
    if keys:
        table = Table(title="Totals (unique events)", title_justify="left")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for key in keys:
            table.add_row(key, f"{totals[key]:,}")
        console.print(table)
    for key, title, label in (
        ("by_platform", "Events by platform", "platform"),
        ("competitors_by_brand", "Competitor mentions by brand", "brand"),
        ("sentiment", "Sentiment", "label"),
        ("dead_letters_by_reason", "Dead letters by reason", "reason"),
    ):
        if totals.get(key):
            console.print(_counts_table(title, totals[key], label))


def render_demo(summary: Mapping[str, Any]) -> None:
    """Print the demo summary."""
    table = Table(title="Demo run", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in ("events_in", "events_stored", "dead_lettered", "buyers", "service_requests",
                "purchase_intent", "competitor_mentions", "elapsed_s"):
        if key in summary:
            value = summary[key]
            table.add_row(key, f"{value:,}" if isinstance(value, int) else safe_cell(value))
    console.print(table)
    render_stats({k: v for k, v in summary.items() if isinstance(v, Mapping)})
    render_campaign(summary.get("campaign_funnel") or {})


FUNNEL_COLUMNS = ("clicks", "visitors", "engaged_visitors", "median_seconds_on_site", "orders", "revenue")


def render_campaign(campaign: Mapping[str, Any]) -> None:
    """Print a campaign's funnel (the demo's), in total and per post, when there is one."""
    if not campaign.get("funnel"):
        return
    title = (f"Campaign funnel: {safe_cell(campaign['campaign'])} ({campaign['links']} links, "
             f"{campaign['participants']:,} participants; bots and unattributed orders apart)")
    table = Table(title=title, title_justify="left")
    table.add_column("post")
    for column in FUNNEL_COLUMNS:
        table.add_column(column, justify="right")
    for label, row in [("all", campaign["funnel"]), *((r["key"], r) for r in campaign.get("by_post", []))]:
        table.add_row(safe_cell(label), *(_number(row.get(c)) for c in FUNNEL_COLUMNS))
    console.print(table)


def _number(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
