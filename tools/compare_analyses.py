"""Check that a change to pipeline/text leaves every Analysis field of every text unchanged.

    .venv/bin/python tools/compare_analyses.py dump BEFORE.pickle   # on the old code
    .venv/bin/python tools/compare_analyses.py dump AFTER.pickle    # on the new code
    .venv/bin/python tools/compare_analyses.py compare BEFORE.pickle AFTER.pickle
    .venv/bin/python tools/compare_analyses.py dump --quick AFTER.pickle  # a few runs only, while working

The texts: the bundled demo stream (with titles), every labelled item (pipeline/data/labels), the
development sets of tests/data, the valid texts of the hostile corpus, and a seeded sample of
``--corpus`` texts of /work/shared/data; analysed with the bundled and the development lexicon, in
batches of 1,000 and (demo stream and labels) one text at a time and in batches of 7. Every field of
every Analysis is compared exactly (floats included). Exit status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import sys
from collections.abc import Sequence
from dataclasses import astuple, fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.append(str(ROOT))  # after PYTHONPATH: old code can be dumped with PYTHONPATH=<old tree>

import orjson  # noqa: E402
from _corpora import DEFAULT_DATA, reviews, weibo  # noqa: E402

from pipeline.text import Analysis, TextAnalyzer, load_lexicon  # noqa: E402

Texts = list[tuple[str, str]]  # (text, title)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _demo() -> Texts:
    out: Texts = []
    for line in (ROOT / "pipeline" / "data" / "demo_stream.jsonl").read_bytes().splitlines():
        try:
            obj = orjson.loads(line)  # as ``classify`` reads it (a lone surrogate is an error)
        except orjson.JSONDecodeError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("text"), str):
            out.append((obj["text"], obj.get("title") or ""))
    return out


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _hostile() -> Texts:
    from tests.fixtures.hostile import corpus

    out: Texts = []
    for _, raw in corpus():
        try:
            obj = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            continue
        if isinstance(obj, dict) and isinstance(obj.get("text"), str) and len(obj["text"]) <= 20000:
            if not _encodable(obj["text"] + str(obj.get("title") or "")):
                continue  # a lone surrogate: the worker dead-letters it
            title = obj.get("title")
            out.append((obj["text"], title if isinstance(title, str) else ""))
    return out


def text_sets(corpus: int) -> dict[str, Texts]:
    """The named sets of (text, title) pairs."""
    labels = [(r["text"], "") for r in _jsonl(ROOT / "pipeline" / "data" / "labels" / "items.jsonl")]
    dev = [(r["text"], "") for name in ("labelled_dev.jsonl", "sentiment_dev.jsonl")
           for r in _jsonl(ROOT / "tests" / "data" / name)]
    pool = [r.text for r in reviews(DEFAULT_DATA)] + [r.text for r in weibo(DEFAULT_DATA)]
    rng = random.Random(27)
    return {
        "demo": _demo(),
        "labels": labels,
        "dev": dev,
        "hostile": _hostile(),
        "corpus": [(t, "") for t in rng.sample(pool, min(corpus, len(pool)))],
    }


def _run(analyzer: TextAnalyzer, texts: Texts, batch: int) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for at in range(0, len(texts), batch):
        chunk = texts[at : at + batch]
        titles = [t for _, t in chunk]
        results = analyzer.analyze_batch([t for t, _ in chunk], titles=titles if any(titles) else None)
        out.extend(astuple(a) for a in results)
    return out


def dump(path: Path, corpus: int, quick: bool) -> None:
    sets = text_sets(corpus)
    results: dict[str, list[tuple[Any, ...]]] = {}
    for lexicon in ("pipeline/data/lexicon.yaml", "tests/data/dev_lexicon.yaml"):
        analyzer = TextAnalyzer(load_lexicon(ROOT / lexicon))
        for name, texts in sets.items():
            if quick and name not in ("demo", "labels"):
                continue
            results[f"{lexicon}:{name}:1000"] = _run(analyzer, texts, 1000)
        if quick:
            break
        for name in ("demo", "labels"):
            results[f"{lexicon}:{name}:1"] = _run(analyzer, sets[name], 1)
            results[f"{lexicon}:{name}:7"] = _run(analyzer, sets[name], 7)
    jieba = TextAnalyzer(load_lexicon(ROOT / "tests/data/dev_lexicon.yaml"), backend="jieba")
    results["jieba:labels:1000"] = _run(jieba, sets["labels"], 1000)
    path.write_bytes(pickle.dumps(results))
    print(f"{sum(map(len, results.values()))} analyses in {len(results)} runs written to {path}")


def _diff(a: Sequence[Any], b: Sequence[Any]) -> list[str]:
    names = [f.name for f in fields(Analysis)]
    return [f"{n}: {x!r} != {y!r}" for n, x, y in zip(names, a, b, strict=True) if x != y or type(x) is not type(y)]


def compare(before: Path, after: Path) -> int:
    old = pickle.loads(before.read_bytes())
    new = pickle.loads(after.read_bytes())
    bad = 0
    for run, other in new.items():  # the runs of AFTER (a --quick dump has a few)
        rows = old.get(run, [])
        if len(other) != len(rows):
            print(f"{run}: missing or of another length")
            bad += 1
            continue
        diffs = [(i, d) for i, (a, b) in enumerate(zip(rows, other, strict=True)) if (d := _diff(a, b))]
        print(f"{run}: {len(rows)} analyses, {len(diffs)} differ")
        for i, d in diffs[:3]:
            print(f"  #{i} own_text={rows[i][0][:60]!r}: {'; '.join(d)[:400]}")
        bad += len(diffs)
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--corpus", type=int, default=30000)
    d.add_argument("--quick", action="store_true", help="only the demo stream and the labels, bundled lexicon")
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.cmd == "dump":
        dump(args.out, args.corpus, args.quick)
    else:
        sys.exit(compare(args.before, args.after))


if __name__ == "__main__":
    main()
