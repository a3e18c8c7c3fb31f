"""``sociallisten report`` (舆情日报/周报) and ``sociallisten report-schedule``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

import typer

from pipeline.cli import app


@app.command("report")
def report_command(
    period: str = typer.Option("day", "--period", help="day or week (ISO week, Monday to Sunday; UTC)."),
    brand: str | None = typer.Option(None, "--brand", help="Brand in focus. Default: the lexicon's own brand."),
    day: str | None = typer.Option(
        None, "--date", help="A day (YYYY-MM-DD) in the period. Default: the day of the newest stored mention."),
    fmt: str = typer.Option("html", "--format", help="html, pdf or md."),
    out: Path | None = typer.Option(
        None, "--out", help="File to write ('-' = standard output). Default: report-<period>-<brand>.<format> here."),
) -> None:
    """Daily or weekly report (舆情日报/周报) against the previous period.

    Volume and share of voice, sentiment, buyers, service requests, top posts and authors, cascades,
    spike alerts, desk backlog and SLA.
    """
    from pipeline.errors import ConfigError
    from pipeline.report.make import FORMATS, file_name, make_report, period_for, render
    from pipeline.report.period import parse_day
    from pipeline.runtime import load_settings, storage

    if period not in ("day", "week"):
        raise ConfigError(f"--period {period[:20]!r}: use day or week")
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt[:20]!r}: use one of {', '.join(FORMATS)}")
    kind: Literal["day", "week"] = "day" if period == "day" else "week"
    settings = load_settings()
    with storage(settings) as ch:
        chosen = period_for(ch, kind, parse_day(day) if day else None)
        report = make_report(ch, settings, chosen, brand)
    content = render(report, fmt)
    if out is not None and str(out) == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return
    target = out or Path(file_name(report, fmt))
    target.write_bytes(content)
    typer.echo(f"{target} ({report.period.title} {report.period.label}, {report.mentions.current} mentions)")


@app.command("report-schedule")
def report_schedule_command() -> None:
    """Run until stopped: make and push reports at the times of SOCIALLISTEN_REPORT_SCHEDULE (UTC)."""
    import signal
    import threading

    from pipeline.report.scheduled import run_schedule
    from pipeline.runtime import load_settings, storage

    settings = load_settings()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with storage(settings) as ch:
        try:
            run_schedule(ch, settings, stop)
        except KeyboardInterrupt:
            stop.set()
