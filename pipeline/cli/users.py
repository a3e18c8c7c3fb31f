"""``sociallisten users``: the team's users file (``SOCIALLISTEN_USERS_FILE``): add, remove, list."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli import app

users_app = typer.Typer(help="Manage the team's users (SOCIALLISTEN_USERS_FILE): names, roles, hashed tokens.",
                        no_args_is_help=True)
app.add_typer(users_app, name="users")

FILE_OPTION = typer.Option(None, "--file", help="The users file (default: SOCIALLISTEN_USERS_FILE).")


def _path(file: Path | None) -> Path:
    from pipeline.errors import ConfigError
    from pipeline.runtime import load_settings

    path = file or load_settings().web.users_file
    if path is None:
        raise ConfigError("SOCIALLISTEN_USERS_FILE is not set: set it, or name the file with --file")
    return path


@users_app.command("add")
def add_command(
    name: str = typer.Argument(..., help="The person's name (letters, digits, . _ - @): cases are recorded under it."),
    role: str = typer.Option("agent", "--role", help="readonly, agent, supervisor, or shop (sends orders only)."),
    file: Path | None = FILE_OPTION,
) -> None:
    """Add a user and print a new random token once (only its SHA-256 is stored)."""
    from pipeline.web.users import add_user

    path = _path(file)
    token = add_user(path, name, role)
    typer.echo(token)
    typer.echo(f"user {name} ({role}) added to {path}; the token above is shown only now", err=True)


@users_app.command("remove")
def remove_command(name: str = typer.Argument(...), file: Path | None = FILE_OPTION) -> None:
    """Remove a user: their token stops working at once; nobody else's cases change."""
    from pipeline.web.users import remove_user

    path = _path(file)
    if not remove_user(path, name):
        typer.echo(f"error: no user {name} in {path}", err=True)
        raise typer.Exit(1)
    typer.echo(f"user {name} removed from {path}", err=True)


@users_app.command("list")
def list_command(file: Path | None = FILE_OPTION) -> None:
    """Names and roles (never the hashes)."""
    from pipeline.web.users import read_users

    for user in read_users(_path(file)):
        typer.echo(f"{user.name}\t{user.role}")
