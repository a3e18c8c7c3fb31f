"""``sociallisten stats``: totals from ClickHouse."""

from __future__ import annotations

import orjson
import typer

from pipeline.cli import app


@app.command("stats")
def stats_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a table."),
) -> None:
    """Print unique mentions, buyers, service requests, competitor mentions and dead letters."""
    from pipeline.cli.render import render_stats
    from pipeline.runtime import load_settings, storage
    from pipeline.storage.stats import stats

    settings = load_settings()
    with storage(settings) as ch:
        totals = stats(ch)
    if as_json:
        typer.echo(orjson.dumps(totals).decode())
    else:
        render_stats(totals)
