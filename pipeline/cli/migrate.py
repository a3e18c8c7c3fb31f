"""``sociallisten migrate``: create or upgrade the ClickHouse schema (versioned, idempotent)."""

from __future__ import annotations

import typer

from pipeline.cli import app


@app.command("migrate")
def migrate_command() -> None:
    """Apply pending schema migrations to SOCIALLISTEN_CLICKHOUSE_URL (safe to run on a live database).

    With SOCIALLISTEN_CLICKHOUSE_CLUSTER, on every node of that cluster (replicated and Distributed tables).
    """
    from pipeline.runtime import load_settings
    from pipeline.storage import connect
    from pipeline.storage.migrate import migrate

    settings = load_settings()
    if settings.resolved_clickhouse_url.startswith("chdb://"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    ch = connect(settings.resolved_clickhouse_url)
    try:
        applied = migrate(ch, cluster=settings.storage.clickhouse_cluster)
    finally:
        ch.close()
    if applied:
        typer.echo("applied: " + ", ".join(applied))
    else:
        typer.echo("schema is up to date")
