"""``sociallisten worker``: run the stream processor until stopped."""

from __future__ import annotations

import typer

from pipeline.cli import app


@app.command("worker")
def worker_command(
    web: bool = typer.Option(False, "--web/--no-web",
                             help="Also serve the API and web pages on SOCIALLISTEN_WEB_HOST:SOCIALLISTEN_WEB_PORT."),
) -> None:
    """Consume posts and comments, enrich them and store them in ClickHouse (Ctrl-C / SIGTERM stops).

    Start several with the same SOCIALLISTEN_APP_ID to share the partitions.
    Without SOCIALLISTEN_KAFKA_URL an embedded broker is started and its address logged.
    """
    from pipeline.assemble import assemble
    from pipeline.kafka.topics import ensure_topics
    from pipeline.runtime import broker, load_settings, storage
    from pipeline.worker.allocator import limit_arenas

    settings = load_settings(embedded_defaults=True)
    limit_arenas(settings.worker.malloc_arenas)  # before chDB and the broker client start their threads
    with broker(settings) as bootstrap, storage(settings, wait=True) as ch:
        ensure_topics(bootstrap, settings)
        code = assemble(settings, bootstrap, ch, web=web).run()
    raise typer.Exit(code)
