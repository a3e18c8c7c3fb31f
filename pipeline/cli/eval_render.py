"""Tables of an ``eval`` report (:func:`pipeline.text.evaluation.evaluate_labels`)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

SET_SCORES = ("brands", "competitors")
BINARY = ("buyer", "service_request", "purchase_intent")


def _ci(block: dict[str, Any], key: str) -> str:
    lo, hi = block["interval_95"][key]
    return f"{block[key]:.3f} [{lo:.2f}-{hi:.2f}]"


def render_detectors(report: dict[str, Any], console: Console) -> None:
    """One table: every detector per source, P / R / F1 with 95 % intervals and the confusion counts."""
    table = Table(title=f"Detectors on {report['rows']} labelled rows (split {report.get('split', 'all')})")
    for col in ("detector", "source", "rows", "precision [95 %]", "recall [95 %]", "F1 [95 %]", "tp", "fp", "fn", "tn"):
        table.add_column(col, justify="left" if col in ("detector", "source") else "right")
    for name in (*BINARY, *SET_SCORES):
        label = f"{name} (row, brand)" if name in SET_SCORES else name
        for source, block in report.get(name, {}).items():
            table.add_row(
                label if source == "all" else "",
                source,
                str(block["rows"]),
                _ci(block, "precision"),
                _ci(block, "recall"),
                _ci(block, "f1"),
                str(block["tp"]),
                str(block["fp"]),
                str(block["fn"]),
                str(block.get("tn", "")),
            )
    console.print(table)


def render_sentiment(title: str, blocks: dict[str, dict[str, Any]], console: Console) -> None:
    """Accuracy with its 95 % interval and the confusion (gold → predicted) per domain."""
    table = Table(title=title)
    for col in ("domain", "rows", "accuracy [95 %]", "confusion (gold → predicted: rows)"):
        table.add_column(col, justify="left" if col in ("domain", "confusion (gold → predicted: rows)") else "right")
    for domain, block in blocks.items():
        lo, hi = block["interval_95"]
        confusion = "  ".join(
            f"{g[:3]}→{p[:3]}:{n}" for g, preds in sorted(block["confusion"].items()) for p, n in sorted(preds.items())
        )
        table.add_row(domain, str(block["rows"]), f"{block['accuracy']:.3f} [{lo:.2f}-{hi:.2f}]", confusion)
    console.print(table)


def render(report: dict[str, Any], console: Console) -> None:
    """Print every table of the report."""
    render_detectors(report, console)
    if "sentiment" in report:
        render_sentiment("Sentiment (three classes) per domain", report["sentiment"], console)
    extra = {k: report[k] for k in ("sentiment_file", "hotel_corpus") if k in report}
    if extra:
        names = {"sentiment_file": "--sentiment rows", "hotel_corpus": "酒店 corpus rows (held-out domain)"}
        render_sentiment("Sentiment on further rows", {names[k]: v for k, v in extra.items()}, console)
