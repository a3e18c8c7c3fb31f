"""Merge the two annotators' labels and the adjudication into pipeline/data/labels/labels.jsonl.

    python tools/label_build.py            # writes labels.jsonl, prints agreement (Cohen's kappa)

Inputs (pipeline/data/labels/): ``items.jsonl`` (from tools/label_sample.py: texts, sources,
splits), ``annotations/A_K.jsonl`` and ``annotations/B_K.jsonl`` (batch K labelled by two
different annotators, each blind to the other and to the detectors), ``annotations/adjudicated.jsonl``
(a third annotator's decision on every field the two disagreed on). Where the two agree their
value is final; elsewhere the adjudicated one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

LABELS = Path(__file__).resolve().parents[1] / "pipeline" / "data" / "labels"
FIELDS = ("buyer", "service_request", "purchase_intent", "sentiment")


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def kappa(x: Sequence[Any], y: Sequence[Any]) -> tuple[float, float]:
    """(observed agreement, Cohen's kappa) of two annotators' labels."""
    n = len(x)
    po = sum(a == b for a, b in zip(x, y, strict=True)) / n
    cx, cy = Counter(x), Counter(y)
    pe = sum(cx[c] * cy[c] for c in set(cx) | set(cy)) / (n * n)
    return po, (po - pe) / (1 - pe) if pe < 1 else 1.0


def build(root: Path = LABELS) -> tuple[list[dict[str, Any]], dict[str, dict[str, float]]]:
    """The final rows and the agreement per label."""
    ann = root / "annotations"
    a = {r["item_id"]: r for p in sorted(ann.glob("A_*.jsonl")) for r in _read(p)}
    b = {r["item_id"]: r for p in sorted(ann.glob("B_*.jsonl")) for r in _read(p)}
    adj = {r["item_id"]: r for r in _read(ann / "adjudicated.jsonl")}
    items = _read(root / "items.jsonl")
    missing = [i["item_id"] for i in items if i["item_id"] not in a or i["item_id"] not in b]
    if missing:
        raise SystemExit(f"{len(missing)} items lack one of their two annotations, e.g. {missing[:3]}")
    rows: list[dict[str, Any]] = []
    for item in items:
        ra, rb = a[item["item_id"]], b[item["item_id"]]
        row = {k: item[k] for k in ("item_id", "source", "category", "split", "origin", "text")}
        for f in (*FIELDS, "brands"):
            va, vb = (sorted(ra[f]), sorted(rb[f])) if f == "brands" else (ra[f], rb[f])
            if va == vb:
                row[f] = va
            elif f in adj.get(item["item_id"], {}):
                row[f] = adj[item["item_id"]][f]
            else:
                raise SystemExit(f"{item['item_id']}: annotators disagree on {f} and there is no adjudication")
        rows.append(row)
    ids = [i["item_id"] for i in items]
    agreement = {}
    for f in FIELDS:
        po, k = kappa([a[i][f] for i in ids], [b[i][f] for i in ids])
        agreement[f] = {"agreement": round(po, 3), "kappa": round(k, 3)}
    po, k = kappa([tuple(sorted(a[i]["brands"])) for i in ids], [tuple(sorted(b[i]["brands"])) for i in ids])
    agreement["brands"] = {"agreement": round(po, 3), "kappa": round(k, 3)}
    return rows, agreement


def build_silver(root: Path = LABELS) -> tuple[list[dict[str, Any]], dict[str, dict[str, float]]]:
    """The silver training rows and each silver label's agreement with gold on the calibration rows.

    Inputs: ``silver/items.jsonl`` (tools/label_silver.py) and ``silver/S_K.jsonl`` (batch K, one
    annotator). Batches not labelled yet are left out. Calibration rows (gold rows of the train
    split hidden in each batch) are scored, not returned.
    """
    items = {i["item_id"]: i for i in _read(root / "silver" / "items.jsonl")}
    gold = {r["item_id"]: r for r in _read(root / "labels.jsonl")}
    labelled = [r for p in sorted((root / "silver").glob("S_*.jsonl")) for r in _read(p)]
    rows: list[dict[str, Any]] = []
    calib: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for r in labelled:
        item = items[r["item_id"]]
        if item["calibration"]:
            calib.append((r, gold[r["item_id"]]))
        else:
            rows.append({**{k: item[k] for k in ("item_id", "source", "category", "split", "origin", "text")},
                         "wave": int(item.get("wave", 1)), **{f: r[f] for f in FIELDS}})
    agreement: dict[str, dict[str, float]] = {"calibration_rows": {"rows": float(len(calib))}}
    for f in FIELDS:
        po, k = kappa([s[f] for s, _ in calib], [g[f] for _, g in calib]) if calib else (0.0, 0.0)
        agreement[f] = {"agreement": round(po, 3), "kappa": round(k, 3)}
    return rows, agreement


def main() -> None:
    """Write labels.jsonl and agreement.json (and the silver ones); print the agreement."""
    rows, agreement = build()
    with (LABELS / "labels.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (LABELS / "agreement.json").write_text(json.dumps(agreement, indent=1) + "\n", encoding="utf-8")
    splits = Counter(r["split"] for r in rows)
    print(f"{len(rows)} rows ({dict(splits)})")
    for f, v in agreement.items():
        print(f"{f:<16} agreement {v['agreement']:.3f}  kappa {v['kappa']:.3f}")
    if (LABELS / "silver" / "items.jsonl").exists():
        silver, silver_agreement = build_silver()
        with (LABELS / "silver" / "labels.jsonl").open("w", encoding="utf-8") as fh:
            for row in silver:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        (LABELS / "silver" / "agreement.json").write_text(json.dumps(silver_agreement, indent=1) + "\n", "utf-8")
        n = int(silver_agreement["calibration_rows"]["rows"])
        print(f"silver: {len(silver)} training rows; against gold on {n} calibration rows:")
        for f in FIELDS:
            v = silver_agreement[f]
            print(f"{f:<16} agreement {v['agreement']:.3f}  kappa {v['kappa']:.3f}")


if __name__ == "__main__":
    main()
