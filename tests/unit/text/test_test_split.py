"""Regression floors on the blind test split (pipeline/data/labels/labels.jsonl, split ``test``).

Nothing is tuned on these rows (issue 23); the floors sit a little below the figures measured
with the shipped models (docs/text.md, "Test split"), so a change that makes a detector worse on
text it was never tuned on fails here. Raise a floor only with a new measured figure; never
lower one to make a change pass without saying so in the change.
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from pipeline.text import TextAnalyzer, load_lexicon
from pipeline.text.evaluation import evaluate_labels, evaluate_sentiment_rows
from tests.unit.text._support import SHARED

ROOT = Path(__file__).resolve().parents[3]
LABELS = ROOT / "pipeline" / "data" / "labels" / "labels.jsonl"
LEXICON = ROOT / "pipeline" / "data" / "lexicon.yaml"

FLOORS = {
    # detector: (precision floor, recall floor); measured 2026-12-05 (silver waves 3 and 4, counting and
    # L2 chosen by the one-standard-error rule): buyer 0.952 / 0.905, service request 0.855 / 0.775,
    # purchase intent 0.714 / 0.690, brands 0.979 / 0.940
    "buyer": (0.935, 0.88),
    "service_request": (0.82, 0.77),
    "purchase_intent": (0.65, 0.62),
    "brands": (0.96, 0.92),
}
# measured: all 0.766, in-domain reviews 0.891, hotel rows of the split 0.850 (20 rows: one row is 0.05)
SENTIMENT_FLOORS = {"all": 0.74, "in-domain reviews": 0.87, "hotel (held out)": 0.80}
HOTEL_CORPUS_FLOOR = 0.84  # measured 0.855 on 9,649 rows


@lru_cache(maxsize=1)
def _analyzer() -> TextAnalyzer:
    return TextAnalyzer(load_lexicon(LEXICON))


@lru_cache(maxsize=1)
def _report() -> dict[str, Any]:
    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return evaluate_labels(_analyzer(), [r for r in rows if r["split"] == "test"], draws=50)


@pytest.mark.parametrize("detector", sorted(FLOORS))
def test_detector_floors_on_the_test_split(detector: str) -> None:
    block = _report()[detector]["all"]
    precision, recall = FLOORS[detector]
    assert block["precision"] >= precision and block["recall"] >= recall, block


def test_sentiment_floors_on_the_test_split() -> None:
    sentiment = _report()["sentiment"]
    for domain, floor in SENTIMENT_FLOORS.items():
        assert sentiment[domain]["accuracy"] >= floor, (domain, sentiment[domain])


def test_sentiment_on_the_held_out_hotel_corpus() -> None:
    corpus = SHARED / "reviews" / "online_shopping_10_cats.csv"
    if not corpus.exists():
        pytest.skip(f"shared corpora not found at {SHARED}")
    exclude = {json.loads(line)["text"] for line in (SHARED / "dev" / "sentiment.jsonl").open(encoding="utf-8")}
    with corpus.open(encoding="utf-8") as fh:
        rows = [
            {"text": r["review"], "sentiment": "positive" if r["label"] == "1" else "negative"}
            for r in csv.DictReader(fh)
            if r["cat"] == "酒店" and r["review"].strip() and r["review"] not in exclude
        ]
    report = evaluate_sentiment_rows(_analyzer(), rows, draws=50)
    assert report["rows"] > 9000
    assert report["accuracy"] >= HOTEL_CORPUS_FLOOR, report
