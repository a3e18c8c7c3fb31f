"""``sociallisten eval``: precision, recall and F1 of the detectors on labelled JSON lines.

By default it scores the project's labels (``pipeline/data/labels/labels.jsonl``), one split
(``--split``, default ``dev``; ``test`` is the blind split the docs report): per detector and
per source precision, recall, F1, the confusion counts (tp, fp, fn, tn) and bootstrap 95 %
intervals, and sentiment accuracy per domain with its confusion table. Any other labelled
file works too (``{"id", "text", "buyer": 0|1, "service_request": 0|1, "brands": [...]}``,
optionally ``source``, ``purchase_intent``, ``sentiment``; rows without ``split`` are all
scored). ``--sentiment FILE`` adds sentiment rows (``{"id", "text", "sentiment"}``);
``--hotel-corpus online_shopping_10_cats.csv`` adds the held-out domain measured at scale: every
酒店 review of the corpus with its positive/negative label, minus the rows of ``--hotel-exclude``
(default: ``dev/sentiment.jsonl`` beside the corpus's folder). Prints tables; with ``--json``
the report also goes out as one JSON object on the last line.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console

from pipeline.cli import app
from pipeline.cli.analyzer import load_analyzer
from pipeline.cli.eval_render import render
from pipeline.text.evaluation import HELD_OUT_CATEGORY, evaluate_labels, evaluate_sentiment_rows

LABELS = Path(__file__).resolve().parents[1] / "data" / "labels" / "labels.jsonl"
SPLITS = ("train", "dev", "test", "all")
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


def hotel_rows(corpus: Path, exclude: Path | None) -> list[dict[str, Any]]:
    """The corpus's 酒店 reviews as sentiment rows, minus the ids and texts of ``exclude``."""
    skip_ids: set[str] = set()
    skip_texts: set[str] = set()
    if exclude is not None and exclude.exists():
        for row in read_rows(exclude, "sentiment"):
            skip_ids.add(str(row.get("id", "")))
            skip_texts.add(str(row["text"]))
    out: list[dict[str, Any]] = []
    try:
        with corpus.open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if r.get("cat") != HELD_OUT_CATEGORY or not (r.get("review") or "").strip():
                    continue
                if f"os10_{r['id']}" in skip_ids or r["review"] in skip_texts:
                    continue
                out.append({"text": r["review"], "sentiment": "positive" if r["label"] == "1" else "negative"})
    except (OSError, KeyError) as exc:
        raise typer.BadParameter(f"{corpus}: not the online_shopping_10_cats CSV ({exc})") from exc
    return out


def select_split(rows: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """The rows of ``split`` (``all``, or rows without a ``split`` field: every row)."""
    if split == "all" or not any("split" in r for r in rows):
        return rows
    return [r for r in rows if r.get("split") == split]


@app.command("eval")
def eval_command(
    labelled: Path = typer.Argument(LABELS, help="Labelled JSON lines (default: the project's labels)."),
    split: str = typer.Option("dev", "--split", help="train, dev, test (the blind split) or all."),
    lexicon: Path | None = typer.Option(
        None, "--lexicon", help="Brand lexicon YAML (default: SOCIALLISTEN_LEXICON or the bundled demo lexicon)."
    ),
    sentiment: Path | None = typer.Option(None, "--sentiment", help="Sentiment JSON lines (id, text, sentiment)."),
    hotel_corpus: Path | None = typer.Option(
        None, "--hotel-corpus", help="online_shopping_10_cats.csv: score sentiment on all its 酒店 (held-out) rows."
    ),
    hotel_exclude: Path | None = typer.Option(
        None, "--hotel-exclude", help="Rows to leave out of the hotel rows (default: ../dev/sentiment.jsonl)."
    ),
    models: Path | None = typer.Option(
        None, "--models", help="Directory of learned heads to score instead of the shipped ones (make train's output)."
    ),
    draws: int = typer.Option(1000, "--draws", min=10, help="Bootstrap draws of the 95 % intervals."),
    as_json: bool = typer.Option(False, "--json", help="Also print the report as one JSON object on the last line."),
) -> None:
    """Precision, recall, F1 with 95 % intervals per detector and source, sentiment per domain."""
    if split not in SPLITS:
        raise typer.BadParameter(f"--split must be one of {', '.join(SPLITS)}")
    analyzer = load_analyzer(lexicon, models)
    rows = select_split(read_rows(labelled, "labelled"), split)
    report = evaluate_labels(analyzer, rows, draws)
    report["split"] = split
    if sentiment:
        report["sentiment_file"] = evaluate_sentiment_rows(analyzer, read_rows(sentiment, "sentiment"), draws)
    if hotel_corpus:
        exclude = hotel_exclude or hotel_corpus.resolve().parent.parent / "dev" / "sentiment.jsonl"
        report["hotel_corpus"] = evaluate_sentiment_rows(analyzer, hotel_rows(hotel_corpus, exclude), draws)
    render(report, Console(width=130))
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
