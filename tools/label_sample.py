"""Draw the rows to label for the detectors' train/dev/test data (pipeline/data/labels/).

    python tools/label_sample.py [--data /work/shared/data] [--seed 23] [--out pipeline/data/labels/items.jsonl]

Source-balanced random draw from every shared corpus (reviews per category, takeout reviews,
Weibo original posts, distinct Weibo repost texts, customers' turns to Taobao shops), plus the
shared development rows (``dev/labelled.jsonl``) which the rules were tuned on and which therefore
may only go to ``train`` or ``dev``, never ``test``. Texts longer than 300 characters and texts
already drawn are skipped. Each item gets an annotation batch (``batch``, 0..BATCHES-1) and its
split (``split``) here, before anyone labels it, so the split cannot depend on the labels.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path
from typing import Any

DATA = Path("/work/shared/data")
OUT = Path(__file__).resolve().parents[1] / "pipeline" / "data" / "labels" / "items.jsonl"
SEED = 23
BATCHES = 8
PER_CATEGORY = 75  # online_shopping_10_cats: 10 categories (酒店 is the held-out sentiment domain)
QUOTAS = {"waimai_10k": 400, "ced_weibo_original": 350, "ced_weibo_repost": 400, "ecd_taobao_cs": 200}
SPLIT_WEIGHTS = (("train", 0.6), ("dev", 0.15), ("test", 0.25))
MAX_CHARS = 300


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _pools(data: Path, seen: set[str]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(source, category) -> [(id, text)] of rows not in the shared dev files."""
    pools: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def add(source: str, category: str, rid: str, text: str) -> None:
        text = text.strip()
        if text and len(text) <= MAX_CHARS and text not in seen:
            seen.add(text)
            pools.setdefault((source, category), []).append((rid, text))

    with (data / "reviews" / "online_shopping_10_cats.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            add("online_shopping_10_cats", r["cat"], f"os10_{r['id']}", r["review"])
    with (data / "reviews" / "waimai_10k.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            add("waimai_10k", "外卖", f"waimai_{r['id']}", r["review"])
    for d in _jsonl(data / "weibo" / "ced_original_posts.jsonl"):
        add("ced_weibo_original", "", f"cedo_{d['cascade_id']}", d["text"])
    for d in _jsonl(data / "weibo" / "ced_reposts.jsonl"):
        add("ced_weibo_repost", "", f"cedr_{d['mid']}", d["text"] or "")
    for d in _jsonl(data / "service_dialogues" / "ecd_dialogues.jsonl"):
        for turn in range(0, len(d["context_turns"]), 2):
            text = d["context_turns"][turn]
            if len(text.strip()) >= 4:
                add("ecd_taobao_cs", "", f"ecd_{d['split']}_{d['dialog_idx']}_t{turn}", text)
    return pools


def draw(data: Path = DATA, seed: int = SEED) -> list[dict[str, Any]]:
    """The items to label, in batch order, each with its split."""
    rng = random.Random(seed)
    dev_rows = _jsonl(data / "dev" / "labelled.jsonl")
    seen = {str(r["text"]).strip() for r in dev_rows}
    seen |= {str(r["text"]).strip() for r in _jsonl(data / "dev" / "sentiment.jsonl")}
    pools = _pools(data, seen)
    items: list[dict[str, Any]] = []
    for (source, category), rows in sorted(pools.items()):
        quota = PER_CATEGORY if source == "online_shopping_10_cats" else QUOTAS[source]
        for rid, text in rng.sample(rows, min(quota, len(rows))):
            items.append({"item_id": rid, "source": source, "category": category, "text": text, "origin": "new"})
    names, weights = zip(*SPLIT_WEIGHTS, strict=True)
    by_source: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_source.setdefault(item["source"], []).append(item)
    for group in by_source.values():  # stratified: each source split in the same proportions
        rng.shuffle(group)
        cuts = [round(len(group) * sum(weights[: i + 1])) for i in range(len(weights))]
        start = 0
        for name, cut in zip(names, cuts, strict=True):
            for item in group[start:cut]:
                item["split"] = name
            start = cut
    for r in dev_rows:  # tuned on: never test
        items.append({"item_id": str(r["id"]), "source": r["source"], "category": "", "text": str(r["text"]),
                      "origin": "shared_dev", "split": "dev" if rng.random() < 0.5 else "train"})
    rng.shuffle(items)
    for i, item in enumerate(items):
        item["batch"] = i % BATCHES
    return items


def main() -> None:
    """Write the items file."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    items = draw(args.data, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
