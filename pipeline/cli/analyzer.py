"""The text analyzer for commands that take ``--lexicon``."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.config import load_settings
from pipeline.errors import LexiconError
from pipeline.text import TextAnalyzer, get_analyzer, load_lexicon
from pipeline.text.learned import load_heads


def load_analyzer(lexicon: Path | None, models: Path | None = None) -> TextAnalyzer:
    """The analyzer for ``lexicon`` (default: the configured one); exit 2 when it cannot be loaded.

    ``models``: a directory of learned heads (``<head>.json.gz``) to use instead of the shipped ones.
    """
    path = lexicon or load_settings().resolved_lexicon
    try:
        if models is not None:
            if not models.is_dir():
                typer.echo(f"error: --models {models}: not a directory of learned heads", err=True)
                raise typer.Exit(2)
            return TextAnalyzer(load_lexicon(path), heads=load_heads(models))
        return get_analyzer(path)
    except LexiconError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
