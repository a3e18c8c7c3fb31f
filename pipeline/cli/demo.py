"""``sociallisten demo``: the main job, end to end on real services, in one command."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import typer

from pipeline.cli import app


@app.command("demo")
def demo_command(
    as_json: bool = typer.Option(False, "--json", help="Also print the summary as one JSON object on the last line."),
    serve: bool = typer.Option(False, "--serve", help="Keep the worker (and the web service) running afterwards."),
    stream: Path | None = typer.Option(
        None, "--stream", help="JSON-lines file to replay instead of the bundled demo stream."
    ),
    timeout: float = typer.Option(240.0, "--timeout", help="Seconds to wait for every event to be stored."),
    rate: float | None = typer.Option(None, "--rate", help="Cap the replay at this many events per second."),
) -> None:
    """Run the demo: replay the bundled sample through a worker and print a summary from ClickHouse.

    Starts the broker (embedded unless SOCIALLISTEN_KAFKA_URL is set) and a worker, replays the
    bundled sample of real Chinese posts, comments and reposts, and waits until every event is
    stored or dead-lettered.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    from pipeline.assemble import assemble
    from pipeline.cli.render import render_demo
    from pipeline.demo import DEMO_STREAM, run_demo
    from pipeline.kafka.topics import ensure_topics
    from pipeline.runtime import broker, load_settings, storage

    settings = load_settings(embedded_defaults=True)
    summary: dict[str, object] = {}
    with broker(settings) as bootstrap, storage(settings) as ch:
        ensure_topics(bootstrap, settings)
        application = assemble(settings, bootstrap, ch, web=serve)
        progress = Progress(TextColumn("{task.description:>8}"), BarColumn(), MofNCompleteColumn(), transient=True)
        tasks: dict[str, TaskID] = {}

        def on_progress(stage: str, n: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            if stage == "sent":
                progress.advance(tasks[stage], n)
            else:
                progress.update(tasks[stage], completed=n)

        async def job() -> None:
            with progress:
                result = await run_demo(
                    settings=settings, bootstrap=bootstrap, ch=ch, run_blocking=application.web.run_blocking,
                    stream=stream or DEMO_STREAM, timeout=timeout, rate=rate, on_progress=on_progress,
                )
            summary.update(result)
            render_demo(result)
            if as_json:
                typer.echo(orjson.dumps(result).decode())
            if serve:
                typer.echo("demo stream stored; the worker keeps running (Ctrl-C to stop)", err=True)
                await asyncio.Event().wait()

        code = application.run(until=job)
    if code == 0 and not summary.get("complete", False):
        code = 1
    raise typer.Exit(code)
