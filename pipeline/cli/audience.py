"""``sociallisten refresh-audience``: recompute the audience snapshot now."""

from __future__ import annotations

import orjson
import typer

from pipeline.cli import app


@app.command("refresh-audience")
def refresh_audience_command(
    if_due: float = typer.Option(
        0.0, "--if-older-than", min=0,
        help="Only when the latest refresh started at least this many seconds ago (0 = always).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of a sentence."),
) -> None:
    """Recompute per-author audience quality and the daily composition now.

    The views author_stats, author_quality and audience_composition_daily read the latest refresh; the
    leader worker runs one every SOCIALLISTEN_AUDIENCE_REFRESH_SECONDS.
    """
    from pipeline.monitor.audience_snapshot import AudienceRefresher, refresh
    from pipeline.runtime import load_settings, storage

    settings = load_settings()
    with storage(settings) as ch:
        refresher = AudienceRefresher(ch, if_due)
        try:
            done = refresher.run_if_due() if if_due else refresh(refresher.connection())
        finally:
            refresher.close()
    if as_json:
        typer.echo(orjson.dumps(done.model_dump() if done else None).decode())
    elif done is None:
        typer.echo(f"not refreshed: the latest refresh is less than {if_due:.0f} s old")
    else:
        typer.echo(f"audience snapshot {done.refresh}: {done.authors:,} authors in {done.seconds:.1f} s")
