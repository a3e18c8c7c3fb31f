"""``sociallisten eval``: precision, recall and F1 of the detectors on labelled JSON lines.

Labelled rows: ``{"id", "text", "buyer": 0|1, "service_request": 0|1, "brands": [...]}``;
sentiment rows (``--sentiment``): ``{"id", "text", "sentiment"}``. Prints a table; with
``--json`` the report also goes out as one JSON object on the last line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from pipeline.cli import app
from pipeline.cli.analyzer import load_analyzer
from pipeline.text.evaluation import Report, evaluate

_REQUIRED = {"labelled": ("text", "buyer", "service_request", "brands"), "sentiment": ("text", "sentiment")}


def read_rows(path: Path, kind: str) -> list[dict[str, Any]]:
    """JSON-lines rows of ``path``; a bad row stops with a message naming the file and line."""
    rows: list[dict[str, Any]] = []
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise typer.BadParameter(f"{path}: {exc}") from exc
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            row = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise typer.BadParameter(f"{path}:{n}: invalid JSON: {exc}") from exc
        missing = [k for k in _REQUIRED[kind] if not isinstance(row, dict) or k not in row]
        if missing:
            raise typer.BadParameter(f"{path}:{n}: missing {', '.join(missing)}")
        rows.append(row)
    return rows


def render(report: Report, console: Console) -> None:
    """Print the report as a table."""
    table = Table(title=f"Detectors on {report.rows} labelled rows")
    for col in ("detector", "precision", "recall", "F1", "tp", "fp", "fn"):
        table.add_column(col, justify="left" if col == "detector" else "right")
    for name, score in (
        ("buyer", report.buyer),
        ("service_request", report.service_request),
        ("brands (row, brand)", report.brands),
        ("competitors (row, brand)", report.competitors),
    ):
        table.add_row(
            name,
            f"{score.precision:.3f}",
            f"{score.recall:.3f}",
            f"{score.f1:.3f}",
            str(score.tp),
            str(score.fp),
            str(score.fn),
        )
    if report.sentiment_accuracy is not None:
        table.add_row(f"sentiment accuracy ({report.sentiment_rows} rows)", f"{report.sentiment_accuracy:.3f}")
    console.print(table)


@app.command("eval")
def eval_command(
    labelled: Path = typer.Argument(..., help="Labelled JSON lines (id, text, buyer, service_request, brands)."),
    lexicon: Path | None = typer.Option(
        None, "--lexicon", help="Brand lexicon YAML (default: SOCIALLISTEN_LEXICON or the bundled demo lexicon)."
    ),
    sentiment: Path | None = typer.Option(None, "--sentiment", help="Sentiment JSON lines (id, text, sentiment)."),
    as_json: bool = typer.Option(False, "--json", help="Also print the report as one JSON object on the last line."),
) -> None:
    """Precision, recall and F1 per detector (and sentiment accuracy) on labelled rows."""
    analyzer = load_analyzer(lexicon)
    rows = read_rows(labelled, "labelled")
    senti_rows = read_rows(sentiment, "sentiment") if sentiment else []
    report = evaluate(analyzer, rows, senti_rows)
    render(report, Console(width=110))
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
