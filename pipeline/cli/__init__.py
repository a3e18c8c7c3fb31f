"""The ``sociallisten`` command line. Each sub-command lives in its own module here."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="sociallisten",
    help="Streaming social-listening pipeline for Chinese social media (Kafka + Faust + jieba + ClickHouse).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Importing a command module registers its command on ``app``.
    from pipeline.cli import (  # noqa: F401
        audience,
        bench,
        channels,
        classify,
        config,
        deadletter,
        demo,
        evaluate,
        export,
        local_cluster,
        migrate,
        replay,
        report,
        sample,
        schema,
        serve,
        stats,
        tail,
        tracking,
        users,
        worker,
    )


def main() -> None:
    """Entry point of the console script.

    The project's own errors name what failed and what to do: they end the command with that
    message and exit code 1, not a traceback (which is logged at DEBUG).
    """
    import logging

    from pipeline.errors import SocialListenError
    from pipeline.safe_text import terminal_safe

    _register()
    try:
        app()
    except SocialListenError as exc:
        logging.getLogger(__name__).debug("command failed", exc_info=exc)
        typer.echo(f"error: {terminal_safe(exc)}", err=True)  # messages may quote a file, a URL or an event
        raise SystemExit(1) from None
