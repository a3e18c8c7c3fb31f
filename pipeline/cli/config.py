"""``sociallisten config``: every setting, its environment variable and the value in force."""

from __future__ import annotations

import dataclasses

import orjson
import typer

from pipeline.cli import app


@app.command("config")
def config_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per setting instead of a table."),
    section: str | None = typer.Option(None, "--section", help="Only this section (kafka, storage, worker, web, "
                                       "logs, desk, monitor, alerts, general)."),
) -> None:
    """Show the settings in force, read from SOCIALLISTEN_* variables; secrets are masked.

    A bad value is reported as 'error: SOCIALLISTEN_X: <problem>' with exit code 1, as by every command.
    """
    from rich.table import Table
    from rich.text import Text

    from pipeline.cli.render import console
    from pipeline.config import load_settings
    from pipeline.config.reference import reference

    rows = [row for row in reference(load_settings()) if section is None or row.section == section]
    if as_json:
        for row in rows:
            typer.echo(orjson.dumps(dataclasses.asdict(row)).decode())
        return
    table = Table(title="sociallisten settings", title_justify="left")
    for column in ("variable", "value", "default", "description"):
        table.add_column(column, overflow="fold")
    for row in rows:  # Text: values are shown as they are, never read as markup
        table.add_row(Text(row.variable), Text(row.value), Text(row.default), Text(row.description))
    console.print(table)
