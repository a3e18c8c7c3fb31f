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
        bench,
        classify,
        deadletter,
        demo,
        evaluate,
        migrate,
        replay,
        sample,
        schema,
        stats,
        tail,
        worker,
    )


def main() -> None:
    """Entry point of the console script."""
    _register()
    app()
