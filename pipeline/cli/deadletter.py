"""``sociallisten deadletter list|replay``: inspect and re-drive rejected events."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import orjson
import typer
from rich.table import Table

from pipeline.cli import app
from schemas.deadletter import MAX_RAW_BYTES

if TYPE_CHECKING:
    from pipeline.config import Settings

deadletter_app = typer.Typer(
    help="Inspect and re-drive dead letters (events the pipeline rejected).", no_args_is_help=True
)
app.add_typer(deadletter_app, name="deadletter")

_SELECT = (
    "SELECT dl_id, source_topic, `partition`, `offset`, stage, reason, error, raw_b64, raw_preview, received_at, "
    "raw_size, raw_truncated "
    "FROM dead_letters FINAL WHERE 1 = 1"
)


def _query(reason: str | None, stage: str | None, dl_ids: list[str] | None, limit: int) -> list[dict[str, object]]:
    from pipeline.runtime import load_settings, storage

    sql = _SELECT
    params: dict[str, object] = {"limit": limit}
    if reason:
        sql += " AND reason = %(reason)s"
        params["reason"] = reason
    if stage:
        sql += " AND stage = %(stage)s"
        params["stage"] = stage
    if dl_ids:
        sql += " AND dl_id IN %(ids)s"
        params["ids"] = tuple(dl_ids)
    sql += " ORDER BY received_at DESC, dl_id LIMIT %(limit)s"
    with storage(load_settings()) as ch:
        return ch.query(sql, params)


@deadletter_app.command("list")
def list_command(
    reason: str | None = typer.Option(None, help="Only this reason code (e.g. invalid_json, validation)."),
    stage: str | None = typer.Option(None, help="Only this stage: decode, validate, enrich, store, command."),
    limit: int = typer.Option(50, min=1, max=100000, help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line (with the raw bytes, base64)."),
) -> None:
    """List dead letters from ClickHouse, newest first."""
    rows = _query(reason, stage, None, limit)
    if as_json:
        for row in rows:
            typer.echo(orjson.dumps(row, default=str).decode())
        return
    from pipeline.cli.render import console
    from pipeline.safe_text import safe_cell

    table = Table(title=f"Dead letters ({len(rows)} shown)", title_justify="left")
    for col in ("dl_id", "received_at", "stage", "reason", "error", "raw (start)"):
        table.add_column(col, overflow="fold")
    for row in rows:
        # every cell is plain text: raw bytes and errors may hold escape sequences or Rich markup
        table.add_row(*(safe_cell(v) for v in (str(row["dl_id"])[:12], row["received_at"], row["stage"],
                                               row["reason"], str(row["error"])[:120], str(row["raw_preview"])[:80])))
    console.print(table)


def resigned_command(raw: bytes, settings: Settings) -> tuple[bytes, bytes]:
    """(value, key) of a rejected desk command signed again with the configured secret.

    Args:
        raw: The dead letter's bytes: ``{"key": ..., "value": <the command>}``.
        settings: Where SOCIALLISTEN_DESK_SECRET comes from, else the data directory's secret file
            (ConfigError when there is neither).

    Returns:
        The command's JSON with a fresh signature, and its Kafka key (from its case, as the desk sends it).
    """
    from pipeline.desk.models import Command, case_key, key_of
    from pipeline.desk.signing import SECRET_FILE, desk_secret, require_secret, signed

    cmd = Command.model_validate(orjson.loads(raw)["value"])
    obs = cmd.observation
    key = key_of(cmd.case_id) if cmd.case_id else case_key(obs.thread_id, obs.author_id) if obs else ""
    if settings.desk.desk_secret is None and (settings.data_dir / SECRET_FILE).is_file():
        secret = desk_secret(settings.desk, settings.data_dir)  # the single host's fallback secret
    else:
        secret = require_secret(settings.desk, "deadletter replay")
    return orjson.dumps(signed(cmd, secret)), key.encode()


@deadletter_app.command("replay")
def replay_command(
    reason: str | None = typer.Option(None, help="Only this reason code."),
    stage: str | None = typer.Option(None, help="Only this stage."),
    dl_id: list[str] = typer.Option(None, "--id", help="Only these dead-letter ids (repeatable)."),
    limit: int = typer.Option(100000, min=1, help="At most this many."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be re-sent, send nothing."),
) -> None:
    """Re-send the original bytes of dead letters to the topic they came from (after a fix).

    Events that are still invalid come back as the same dead letter (same id): nothing doubles.
    Rejected desk commands (stage ``command``) are signed again with this process's
    SOCIALLISTEN_DESK_SECRET: pick them with ``--id`` after reading them, since every one sent is applied.
    Every message must be acknowledged by Kafka; the command exits 1 if some are not.
    """
    from pipeline.kafka.producer import Deliveries, make_producer, route
    from pipeline.kafka.topics import Topics
    from pipeline.runtime import load_settings

    settings = load_settings()
    rows = _query(reason, stage, dl_id or None, limit)
    cut = [row for row in rows if row.get("raw_truncated")]
    if cut:  # only their start was kept: re-sending it would make a new, different dead letter
        typer.echo(f"{len(cut)} dead letters kept only the first {MAX_RAW_BYTES // 1024} KiB of their message and "
                   "are not re-sent (their size is in raw_size; send the original again from its source)", err=True)
        rows = [row for row in rows if not row.get("raw_truncated")]
    if dry_run or not rows:
        typer.echo(f"{len(rows)} dead letters {'would be ' if dry_run else ''}re-sent", err=True)
        return
    if not settings.kafka.kafka_url:
        typer.echo("error: SOCIALLISTEN_KAFKA_URL is not set; re-driving needs the running broker", err=True)
        raise typer.Exit(2)
    topics = Topics.from_settings(settings)
    producer = make_producer(settings.kafka.kafka_url, kafka=settings.kafka)
    deliveries = Deliveries(producer)
    try:
        for row in rows:
            raw = base64.b64decode(str(row["raw_b64"]))
            if row["stage"] == "command":
                deliveries.send(topics.cases, *resigned_command(raw, settings))
                continue
            topic = str(row["source_topic"]) if str(row["source_topic"]) in topics.consumed else topics.posts
            _, key = route(raw, topics)
            deliveries.send(topic, raw, key=key)
        deliveries.finish()  # BrokerError unless Kafka acknowledged every message: `error: ...`, exit 1
    finally:
        producer.close()
    typer.echo(f"re-sent {len(rows)} dead letters", err=True)
