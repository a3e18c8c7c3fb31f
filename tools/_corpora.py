"""Corpus loading shared by the training scripts (tools/train_*.py).

Every loader leaves out the development rows (ids and texts of dev/labelled.jsonl and
dev/sentiment.jsonl): those are for measuring only.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA = Path("/work/shared/data")


@dataclass(frozen=True)
class Row:
    """One corpus text with its source, category and review label (if any)."""

    id: str
    source: str
    category: str
    label: int | None
    text: str


def _jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def held_out(data: Path) -> tuple[set[str], set[str]]:
    """Ids and texts of the development rows, which training must not see."""
    ids: set[str] = set()
    texts: set[str] = set()
    for name in ("labelled.jsonl", "sentiment.jsonl"):
        for row in _jsonl(data / "dev" / name):
            ids.add(str(row["id"]))
            texts.add(str(row["text"]))
    return ids, texts


def reviews(data: Path) -> list[Row]:
    """Review rows (online_shopping_10_cats and waimai_10k) outside the development set."""
    ids, texts = held_out(data)
    rows: list[Row] = []
    with (data / "reviews" / "online_shopping_10_cats.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows.append(Row(r["id"], "online_shopping_10_cats", r["cat"], int(r["label"]), r["review"]))
    with (data / "reviews" / "waimai_10k.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows.append(Row(r["id"], "waimai_10k", "外卖", int(r["label"]), r["review"]))
    return [r for r in rows if r.id not in ids and r.text not in texts and r.text.strip()]


def weibo(data: Path) -> list[Row]:
    """Weibo original posts and distinct non-empty repost texts outside the development set."""
    _, texts = held_out(data)
    rows: list[Row] = []
    for d in _jsonl(data / "weibo" / "ced_original_posts.jsonl"):
        rows.append(Row(f"cedo_{d['cascade_id']}", "ced_weibo_original", "", None, d["text"]))
    seen: set[str] = set()
    for d in _jsonl(data / "weibo" / "ced_reposts.jsonl"):
        text = d["text"]
        if text and text not in seen:
            seen.add(text)
            rows.append(Row(f"cedr_{d['mid']}", "ced_weibo_repost", "", None, text))
    return [r for r in rows if r.text not in texts and r.text.strip()]
