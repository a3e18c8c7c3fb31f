"""``sociallisten export``: a search's mentions (or a BI view) to CSV, XLSX, Parquet or JSON lines."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import IO

import typer

from pipeline.cli import app


def _parse_time(value: str | None, flag: str) -> datetime | None:
    from pipeline.errors import ConfigError

    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{flag} {value!r} is not a date or time (ISO 8601: 2026-12-01 or 2026-12-01T08:00+08:00)") \
            from None


@app.command("export")
def export_command(
    query: str = typer.Option("", "--query", "-q", help='The search, e.g. \'蒙牛 (退款 OR "坏了") platform:weibo\'.'),
    from_: str | None = typer.Option(None, "--from", help="Earliest created_at (ISO 8601; naive = UTC), inclusive."),
    to: str | None = typer.Option(None, "--to", help="Latest created_at (ISO 8601; naive = UTC), exclusive."),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv (UTF-8 with BOM), xlsx, parquet or jsonl."),
    out: Path | None = typer.Option(None, "--out", "-o", help="The file to write (default: standard output)."),
    view: str | None = typer.Option(None, "--view", help="Export this BI view instead of a search."),
) -> None:
    """Export every mention a search finds (newest first), or a whole BI view, streamed with a progress bar."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from pipeline.errors import ConfigError
    from pipeline.runtime import load_settings, storage
    from pipeline.search import export
    from pipeline.search.models import Search
    from pipeline.search.parse import QueryError, parse
    from pipeline.search.writers import FORMATS

    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if out is None and fmt in ("xlsx", "parquet") and sys.stdout.isatty():
        raise ConfigError(f"--format {fmt} is binary: give --out FILE")
    search = Search(q=query, from_=_parse_time(from_, "--from"), to=_parse_time(to, "--to"))
    try:
        parse(search.q)
    except QueryError as exc:
        raise ConfigError(f"--query: {exc}") from None
    with storage(load_settings()) as ch:
        if view is not None:
            columns = export.view_columns(ch, view)
            source, total = export.view_source(ch, view, columns), None
        else:
            columns, source = list(export.EXPORT_COLUMNS), export.mention_source(ch, search)
            total = export.count(ch, search)
        target: IO[bytes] = out.open("wb") if out is not None else sys.stdout.buffer
        columns_bar = (TextColumn("export"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        try:
            with Progress(*columns_bar, console=Console(stderr=True), transient=out is None) as progress:
                task = progress.add_task("export", total=total)
                rows = export.export_to(target, source, columns, fmt,
                                        lambda n: progress.update(task, completed=n))
        finally:
            if out is not None:
                target.close()
    if out is not None:
        typer.echo(f"{rows} rows -> {out}", err=True)
