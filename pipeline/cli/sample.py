"""``sociallisten sample``: write a realistic, reproducible event stream as JSON lines."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from pipeline.cli import app

_CHUNK = 2000
"""Lines written per ``write`` call (and per progress update)."""


def _parse_end(value: str | None) -> datetime | None:
    if value is None:
        return None
    if value == "now":
        return datetime.now(UTC).replace(microsecond=0)
    try:
        end = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(f"not an ISO-8601 time: {value!r}") from exc
    if end.tzinfo is None:
        raise typer.BadParameter("needs a timezone, e.g. 2024-06-18T00:00:00+08:00")
    return end


@app.command("sample")
def sample_command(
    events: Annotated[int, typer.Option("--events", "-n", min=0, help="Number of lines to write.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed: the same seed gives the same stream.")] = 0,
    invalid_rate: Annotated[
        float,
        typer.Option("--invalid-rate", min=0.0, max=1.0, help="Share of invalid lines (broken JSON, bad fields...)."),
    ] = 0.0,
    days: Annotated[float, typer.Option("--days", min=0.001, help="Days the event times cover.")] = 7.0,
    end: Annotated[
        str | None,
        typer.Option("--end", help="ISO time the stream ends at, or 'now' (default 2024-06-18T00:00:00+08:00)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of stdout.", dir_okay=False, writable=True),
    ] = None,
) -> None:
    """Write EVENTS social events (real Chinese texts) as JSON lines, to stdout or --output."""
    from pipeline.sample import generate_events

    lines = generate_events(events, seed=seed, invalid_rate=invalid_rate, start=_parse_end(end), days=days)
    show_progress = output is not None or sys.stderr.isatty()
    if output is None:
        try:
            _write(lines, sys.stdout.buffer, events, show_progress)
            sys.stdout.buffer.flush()
        except BrokenPipeError:  # `sociallisten sample ... | head`: the reader has gone, stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
    else:
        with output.open("wb") as f:
            _write(lines, f, events, show_progress)


def _write(lines: Iterable[bytes], out: BinaryIO, total: int, show_progress: bool) -> None:
    """Write lines in chunks, with a progress bar on stderr if asked."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("sample"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=Console(stderr=True), disable=not show_progress, transient=False,
    ) as bar:  # fmt: skip
        task = bar.add_task("sample", total=total)
        chunk: list[bytes] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) >= _CHUNK:
                out.write(b"\n".join(chunk) + b"\n")
                bar.advance(task, len(chunk))
                chunk.clear()
        if chunk:
            out.write(b"\n".join(chunk) + b"\n")
            bar.advance(task, len(chunk))
