"""``sociallisten serve``: the web tier on its own (API, /desk, /live, SSE, OpenAPI), owning no partitions."""

from __future__ import annotations

import typer

from pipeline.cli import app


@app.command("serve")
def serve_command() -> None:
    """Serve the API and the web pages on SOCIALLISTEN_WEB_HOST:SOCIALLISTEN_WEB_PORT, beside the workers.

    Needs the workers' broker (SOCIALLISTEN_KAFKA_URL) and ClickHouse (SOCIALLISTEN_CLICKHOUSE_URL).
    Run several behind a load balancer: each shows every worker's mentions and case changes (the
    live topic), and sends desk actions to the worker that owns the case. Ctrl-C / SIGTERM stops.
    """
    from pipeline.desk.signing import require_secret
    from pipeline.errors import ConfigError
    from pipeline.kafka.topics import bootstrap_servers, ensure_topics
    from pipeline.runtime import load_settings, storage
    from pipeline.serve import run_web_tier

    settings = load_settings()
    if settings.kafka.kafka_url is None:
        raise ConfigError("SOCIALLISTEN_KAFKA_URL: serve needs the workers' broker (it starts no broker of its own)")
    require_secret(settings.desk, "sociallisten serve")
    bootstrap = bootstrap_servers(settings.kafka.kafka_url)
    ensure_topics(bootstrap, settings)
    with storage(settings, wait=True) as ch:
        code = run_web_tier(settings, bootstrap, ch)
    raise typer.Exit(code)
