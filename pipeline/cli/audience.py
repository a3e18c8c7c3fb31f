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
    from pipeline.monitor.audience_snapshot import REFRESH_TIMEOUT_SECONDS, due, refresh
    from pipeline.runtime import load_settings, storage

    settings = load_settings()
    with storage(settings) as ch:
        own = ch.another(send_receive_timeout=REFRESH_TIMEOUT_SECONDS) if ch.backend == "native" else ch
        try:
            done = refresh(own) if if_due == 0 or due(own, if_due) else None
        finally:
            if own is not ch:
                own.close()
    if as_json:
        typer.echo(orjson.dumps(done.model_dump() if done else None).decode())
    elif done is None:
        typer.echo(f"not refreshed: the latest refresh is less than {if_due:.0f} s old")
    else:
        typer.echo(f"audience snapshot {done.refresh}: {done.authors:,} authors in {done.seconds:.1f} s")
