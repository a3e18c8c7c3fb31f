"""``sociallisten schema``: the JSON Schema of events, for producers."""

from __future__ import annotations

import orjson
import typer

from pipeline.cli import app


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the event format (what producers send to the posts/comments topics)."""
    from schemas.events import event_json_schema

    typer.echo(orjson.dumps(event_json_schema(), option=orjson.OPT_INDENT_2).decode())
