"""Draw the rows for the single-annotator ("silver") training labels (pipeline/data/labels/silver/).

    python tools/label_silver.py --wave 1 [--data /work/shared/data] [--batches 8] [--batch-dir DIR]
    python tools/label_silver.py --wave 2 ...   # appends a second draw (WAVES[2]) to the same file
    python tools/label_silver.py --wave 3 ...   # and a third (WAVES[3])
    python tools/label_silver.py --wave 4 --batches 4 ...   # a targeted fourth (TARGETED[4])
    python tools/label_silver.py --wave 5 --batches 4 ...   # a targeted fifth (TARGETED[5], quotas WAVES[5])

The gold labels (``items.jsonl``, two annotators and an adjudicator per row) are few where the
detectors need examples most: customers' messages to shops, complaints in reviews. Silver rows
add training examples there. They are labelled by one annotator each, with the same guide, so
they go to the ``train`` split only and never judge anything. Each batch hides
:data:`CALIBRATION` gold rows of the ``train`` split among its rows: their silver labels against
the gold ones measure each silver annotator (``tools/label_build.py`` reports it) and are not
used for training.

Draw (per wave, seed ``SEED + wave``): random rows within each source (quotas in
:data:`WAVES`; wave 1 also every remaining customer turn of the Taobao service dialogues), none
already labelled or drawn, none in the shared dev files, none from the held-out sentiment
domain (酒店), at most 300 characters. Batches are numbered on from the previous waves'.

A targeted wave (:data:`TARGETED`) draws instead every such text that contains one of its phrases:
purchase intent is rare in random rows (332 positive training rows after wave 3, most of them shop
messages), and the phrases that suggest it (想买, 求推荐, 多少钱, 入手...) occur as often in reviews of
orders already received; the annotators' labels of both teach the intent head which is which. The
draw only chooses which texts are labelled; every label is an annotator's.

Wave 5 targets service requests the same way, with a quota per source: the guide counts a complaint
about one's own order that the shop could remedy (a missing or wrong item, spoiled food, a defect or
suspected fake, a late delivery) and a customer's short question to a shop (production date, coupon,
invoice, shipping cost), and those words occur as often in plain opinions (太慢 of a film, 坏了 of
the weather). Random rows carry few of them outside the shop messages, so the service head had
little to learn the difference from.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path
from typing import Any

from label_sample import DATA, _jsonl, _pools

LABELS = Path(__file__).resolve().parents[1] / "pipeline" / "data" / "labels"
SEED = 31
WAVES: dict[int, dict[str, int]] = {
    1: {"online_shopping_10_cats": 900, "waimai_10k": 500, "ced_weibo_original": 250, "ced_weibo_repost": 250},
    2: {"online_shopping_10_cats": 1200, "waimai_10k": 800, "ced_weibo_original": 200, "ced_weibo_repost": 200,
        "ecd_taobao_cs": 0},
    3: {"online_shopping_10_cats": 1500, "waimai_10k": 500, "ced_weibo_original": 100, "ced_weibo_repost": 300,
        "ecd_taobao_cs": 0},
    5: {"online_shopping_10_cats": 600, "waimai_10k": 450, "ced_weibo_original": 50, "ced_weibo_repost": 100,
        "ecd_taobao_cs": 0},
}
TARGETED: dict[int, re.Pattern[str]] = {
    4: re.compile("想买|想入|求推荐|推荐一下|哪个好|哪款|值得买|值不值|多少钱|有货|包邮|入手|种草"
                  "|打算买|准备买|要不要买|求购|求链接|哪里买|在哪买|怎么买|能便宜|优惠吗|想要一|好想要"),
    5: re.compile("少了|少给|没给|漏了|漏发|少发|发错|送错|拿错|不是我要|没送|变质|馊|发霉|过期|异物|头发|虫子"
                  "|拉肚子|坏了|故障|不能用|用不了|开不了机|死机|二手|假货|翻新|正品吗|太慢|超时|晚了|迟到|还没到"
                  "|没收到|生产日期|保质期|优惠券|发票|运费|邮费|怎么用|怎么安装|怎么办"),
}
"""Waves that label every unlabelled text with one of these phrases (all sources, no quota)."""
HELD_OUT_CATEGORY = "酒店"
CALIBRATION = 30


def draw(data: Path, wave: int, batches: int, earlier: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One wave's silver items in batch order, calibration rows included (``calibration: true``)."""
    rng = random.Random(SEED + wave - 1)
    quotas = WAVES.get(wave, {})
    wanted = TARGETED.get(wave)
    first_batch = 1 + max((int(i["batch"]) for i in earlier), default=-1)
    gold = _jsonl(LABELS / "items.jsonl")
    seen = {str(r["text"]).strip() for r in gold + earlier}
    seen |= {str(r["text"]).strip() for r in _jsonl(data / "dev" / "labelled.jsonl")}
    seen |= {str(r["text"]).strip() for r in _jsonl(data / "dev" / "sentiment.jsonl")}
    pools = _pools(data, seen)
    by_source: dict[str, list[tuple[str, str, str]]] = {}
    for (source, category), rows in sorted(pools.items()):
        if category != HELD_OUT_CATEGORY:
            by_source.setdefault(source, []).extend(
                (rid, category, text) for rid, text in rows if wanted is None or wanted.search(text))
    items: list[dict[str, Any]] = []
    for source, rows in sorted(by_source.items()):
        quota = quotas.get(source, len(rows))
        for rid, category, text in rng.sample(rows, min(quota, len(rows))):
            items.append({"item_id": rid, "source": source, "category": category, "text": text,
                          "origin": "silver", "split": "train", "calibration": False})
    rng.shuffle(items)
    used = {i["item_id"] for i in earlier}
    train_gold = [g for g in gold if g["split"] == "train" and g.get("category") != HELD_OUT_CATEGORY
                  and g["item_id"] not in used]
    calib = rng.sample(train_gold, CALIBRATION * batches)
    out: list[dict[str, Any]] = []
    size = -(-len(items) // batches)
    for b in range(batches):
        chunk = items[b * size : (b + 1) * size]
        chunk += [{**{k: g[k] for k in ("item_id", "source", "category", "text")}, "origin": g["origin"],
                   "split": "train", "calibration": True} for g in calib[b * CALIBRATION : (b + 1) * CALIBRATION]]
        rng.shuffle(chunk)
        out.extend({**item, "batch": first_batch + b, "wave": wave} for item in chunk)
    return out


def main() -> None:
    """Write ``silver/items.jsonl`` and the annotators' batch files (texts only) under ``--batch-dir``."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--wave", type=int, choices=sorted(set(WAVES) | set(TARGETED)), required=True)
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--batch-dir", type=Path, default=None, help="also write batch_K.jsonl (id + text) here")
    args = parser.parse_args()
    out = LABELS / "silver" / "items.jsonl"
    earlier = [i for i in _jsonl(out) if i.get("wave", 1) < args.wave] if out.exists() else []
    items = draw(args.data, args.wave, args.batches, earlier)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for item in earlier + items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    if args.batch_dir is not None:
        args.batch_dir.mkdir(parents=True, exist_ok=True)
        for b in sorted({int(i["batch"]) for i in items}):
            with (args.batch_dir / f"batch_{b}.jsonl").open("w", encoding="utf-8") as fh:
                for item in items:
                    if item["batch"] == b:
                        row = {"item_id": item["item_id"], "text": item["text"]}
                        fh.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
