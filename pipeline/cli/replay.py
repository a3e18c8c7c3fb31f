"""``sociallisten replay FILE.jsonl``: produce events from a JSON-lines file to Kafka."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from pipeline.cli import app


@app.command("replay")
def replay_command(
    file: Path = typer.Argument(..., help="JSON lines, one event per line ('-' for stdin).", allow_dash=True),
    rate: float | None = typer.Option(
        None, "--rate", min=0.1, help="Cap on events per second (default: as fast as possible)."
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar on stderr."),
    pack: int = typer.Option(1, "--pack", min=1, max=10000,
                             help="Send up to N events of one partition per message (JSON lines)."),
) -> None:
    """Send events to the posts/comments topics of SOCIALLISTEN_KAFKA_URL, keyed by thread."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from pipeline.kafka.producer import make_producer, replay
    from pipeline.kafka.topics import Topics, ensure_topics
    from pipeline.runtime import load_settings

    settings = load_settings()
    if not settings.kafka.kafka_url:
        typer.echo(
            "error: SOCIALLISTEN_KAFKA_URL is not set. The embedded broker lives only inside "
            "`sociallisten demo` or `sociallisten worker`; point replay at a running broker.",
            err=True,
        )
        raise typer.Exit(2)
    if str(file) == "-":
        lines = sys.stdin.buffer.read().splitlines()
    else:
        if not file.exists():
            typer.echo(f"error: {file} does not exist", err=True)
            raise typer.Exit(2)
        lines = file.read_bytes().splitlines()
    ensure_topics(settings.kafka.kafka_url, settings)
    topics = Topics.from_settings(settings)
    producer = make_producer(settings.kafka.kafka_url, kafka=settings.kafka)
    try:
        with Progress(
            TextColumn("replay"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            disable=not progress, transient=False, console=None,
        ) as bar:
            task = bar.add_task("replay", total=sum(1 for line in lines if line.strip()))
            stats = replay(lines, producer, topics, rate=rate, pack=pack, on_sent=lambda n: bar.advance(task, n))
    finally:
        producer.close()
    resent = f"; {stats.resent} messages needed a second send" if stats.resent else ""
    typer.echo(
        f"sent {stats.sent} events ({stats.posts} to {topics.posts}, {stats.comments} to {topics.comments}) "
        f"in {stats.seconds:.1f} s, {stats.rate:.0f}/s, every message acknowledged by Kafka{resent}",
        err=True,
    )
