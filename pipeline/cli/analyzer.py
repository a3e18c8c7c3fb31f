"""The text analyzer for commands that take ``--lexicon``."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.config import load_settings
from pipeline.errors import LexiconError
from pipeline.text import TextAnalyzer, get_analyzer


def load_analyzer(lexicon: Path | None) -> TextAnalyzer:
    """The analyzer for ``lexicon`` (default: the configured one); exit 2 when it cannot be loaded."""
    path = lexicon or load_settings().resolved_lexicon
    try:
        return get_analyzer(path)
    except LexiconError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
