"""Detector metrics against labelled rows: precision, recall and F1, sentiment accuracy.

Pure functions over predictions and gold labels; the ``eval`` command and the tests use them.
:func:`evaluate_labels` scores the project's labels (pipeline/data/labels/labels.jsonl) per
detector and per source with confusion counts and bootstrap 95 % intervals
(:mod:`pipeline.text.bootstrap`), and sentiment per domain (:func:`sentiment_domain`).
Labelled rows: ``{"id", "text", "buyer": 0|1, "service_request": 0|1, "brands": [...]}``;
sentiment rows: ``{"id", "text", "sentiment": "positive"|"negative"|"neutral"}``.
Brand and competitor scores are micro-averaged over (row, brand) pairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from pipeline.text.analyzer import TextAnalyzer
from pipeline.text.bootstrap import accuracy_interval, binary_intervals, count_intervals


@dataclass(frozen=True, slots=True)
class Score:
    """Counts and derived precision / recall / F1 of one detector."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """Share of the predicted positives that are right, tp / (tp + fp); 1.0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of the labelled positives that were found, tp / (tp + fn); 1.0 when there was nothing to find."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        """Counts and rounded metrics, for JSON output."""
        return {
            **asdict(self),
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def binary_score(predicted: Sequence[bool], gold: Sequence[bool]) -> Score:
    """Score of a binary detector."""
    tp = sum(1 for p, g in zip(predicted, gold, strict=True) if p and g)
    fp = sum(1 for p, g in zip(predicted, gold, strict=True) if p and not g)
    fn = sum(1 for p, g in zip(predicted, gold, strict=True) if g and not p)
    return Score(tp, fp, fn)


def set_score(predicted: Sequence[Iterable[str]], gold: Sequence[Iterable[str]]) -> Score:
    """Micro-averaged score over (row, item) pairs."""
    tp = fp = fn = 0
    for p, g in zip(predicted, gold, strict=True):
        ps, gs = set(p), set(g)
        tp += len(ps & gs)
        fp += len(ps - gs)
        fn += len(gs - ps)
    return Score(tp, fp, fn)


def accuracy(predicted: Sequence[str], gold: Sequence[str]) -> float:
    """Share of equal labels (0.0 for no rows)."""
    if not gold:
        return 0.0
    return sum(1 for p, g in zip(predicted, gold, strict=True) if p == g) / len(gold)


@dataclass(frozen=True, slots=True)
class Report:
    """All metrics of one evaluation run."""

    rows: int
    buyer: Score
    service_request: Score
    brands: Score
    competitors: Score
    sentiment_rows: int = 0
    sentiment_accuracy: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        out: dict[str, Any] = {
            "rows": self.rows,
            "buyer": self.buyer.as_dict(),
            "service_request": self.service_request.as_dict(),
            "brands": self.brands.as_dict(),
            "competitors": self.competitors.as_dict(),
        }
        if self.sentiment_accuracy is not None:
            out["sentiment"] = {"rows": self.sentiment_rows, "accuracy": round(self.sentiment_accuracy, 4)}
        return out


def evaluate(
    analyzer: TextAnalyzer,
    labelled: Sequence[Mapping[str, Any]],
    sentiment: Sequence[Mapping[str, Any]] = (),
) -> Report:
    """Run the analyzer on labelled rows (and sentiment rows) and score every detector."""
    analyses = analyzer.analyze_batch([str(r["text"]) for r in labelled])
    competitors = set(analyzer.lexicon.competitors)
    gold_brands = [list(r.get("brands") or []) for r in labelled]
    report = Report(
        rows=len(labelled),
        buyer=binary_score([a.buyer for a in analyses], [bool(r["buyer"]) for r in labelled]),
        service_request=binary_score(
            [a.service_request for a in analyses], [bool(r["service_request"]) for r in labelled]
        ),
        brands=set_score([a.brands for a in analyses], gold_brands),
        competitors=set_score(
            [a.competitors for a in analyses], [[b for b in g if b in competitors] for g in gold_brands]
        ),
    )
    if not sentiment:
        return report
    predicted = [a.sentiment for a in analyzer.analyze_batch([str(r["text"]) for r in sentiment])]
    return Report(
        rows=report.rows,
        buyer=report.buyer,
        service_request=report.service_request,
        brands=report.brands,
        competitors=report.competitors,
        sentiment_rows=len(sentiment),
        sentiment_accuracy=accuracy(predicted, [str(r["sentiment"]) for r in sentiment]),
    )


DETECTORS = ("buyer", "service_request", "purchase_intent")
HELD_OUT_CATEGORY = "酒店"
"""The review category no model is trained on: sentiment is measured on it as an unseen domain."""
IN_DOMAIN = frozenset({"product reviews", "takeout reviews"})
"""The sentiment domains of the review corpora the models are trained on."""


def sentiment_domain(row: Mapping[str, Any]) -> str:
    """The sentiment domain of a labelled row, from its source and category."""
    source, category = str(row.get("source", "")), str(row.get("category", ""))
    if category == HELD_OUT_CATEGORY:
        return "hotel (held out)"
    if source.startswith("ced_") or category == "蒙牛":  # the 蒙牛 "reviews" are Weibo posts
        return "weibo"
    if source == "waimai_10k":
        return "takeout reviews"
    if source.startswith("ecd"):
        return "service dialogues"
    return "product reviews" if source else "unknown"


def _binary_block(predicted: Sequence[bool], gold: Sequence[bool], draws: int) -> dict[str, Any]:
    score = binary_score(predicted, gold)
    tn = sum(1 for p, g in zip(predicted, gold, strict=True) if not p and not g)
    return {
        "rows": len(gold),
        **score.as_dict(),
        "tn": tn,
        "interval_95": binary_intervals(predicted, gold, draws),
    }


def _groups(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[int]]:
    """Row indexes of all rows and of each source."""
    out = {"all": list(range(len(rows)))}
    for i, r in enumerate(rows):
        out.setdefault(str(r.get("source", "")) or "unknown", []).append(i)
    return out


def _pick(values: Sequence[Any], ix: Sequence[int]) -> list[Any]:
    return [values[i] for i in ix]


def _sentiment_block(predicted: Sequence[str], gold: Sequence[str], draws: int) -> dict[str, Any]:
    right = [p == g for p, g in zip(predicted, gold, strict=True)]
    confusion: dict[str, dict[str, int]] = {}
    for p, g in zip(predicted, gold, strict=True):
        confusion.setdefault(g, {}).setdefault(p, 0)
        confusion[g][p] += 1
    return {
        "rows": len(gold),
        "accuracy": round(sum(right) / len(gold), 4) if gold else 0.0,
        "interval_95": accuracy_interval(right, draws),
        "confusion": confusion,
    }


def evaluate_labels(
    analyzer: TextAnalyzer, rows: Sequence[Mapping[str, Any]], draws: int = 1000
) -> dict[str, Any]:
    """Every detector per source (P, R, F1, confusion counts, bootstrap 95 % intervals) and sentiment per domain.

    A detector (or sentiment) is scored only when every row carries its label.
    """
    analyses = analyzer.analyze_batch([str(r["text"]) for r in rows])
    groups = _groups(rows)
    report: dict[str, Any] = {"rows": len(rows)}
    for name in DETECTORS:
        if rows and all(name in r for r in rows):
            pred = [bool(getattr(a, name)) for a in analyses]
            gold = [bool(r[name]) for r in rows]
            report[name] = {k: _binary_block(_pick(pred, ix), _pick(gold, ix), draws) for k, ix in groups.items()}
    if rows and all("brands" in r for r in rows):
        competitors = set(analyzer.lexicon.competitors)
        want = [list(r.get("brands") or []) for r in rows]
        pairs = {
            "brands": ([a.brands for a in analyses], want),
            "competitors": ([a.competitors for a in analyses], [[b for b in w if b in competitors] for w in want]),
        }
        for key, (got, gold_sets) in pairs.items():
            report[key] = {k: _set_block(_pick(got, ix), _pick(gold_sets, ix), draws) for k, ix in groups.items()}
    if rows and all("sentiment" in r for r in rows):
        pred_s = [a.sentiment for a in analyses]
        gold_s = [str(r["sentiment"]) for r in rows]
        domains = [sentiment_domain(r) for r in rows]
        by_domain: dict[str, list[int]] = {"all": list(range(len(rows)))}
        by_domain["in-domain reviews"] = [i for i, d in enumerate(domains) if d in IN_DOMAIN]
        for i, d in enumerate(domains):
            by_domain.setdefault(d, []).append(i)
        report["sentiment"] = {
            k: _sentiment_block(_pick(pred_s, ix), _pick(gold_s, ix), draws) for k, ix in by_domain.items()
        }
    return report


def _set_block(predicted: Sequence[Iterable[str]], gold: Sequence[Iterable[str]], draws: int) -> dict[str, Any]:
    per_row = [set_score([p], [g]) for p, g in zip(predicted, gold, strict=True)]
    total = set_score(predicted, gold)
    tp = np.array([s.tp for s in per_row], dtype=float)
    fp = np.array([s.fp for s in per_row], dtype=float)
    fn = np.array([s.fn for s in per_row], dtype=float)
    return {"rows": len(per_row), **total.as_dict(), "interval_95": count_intervals(tp, fp, fn, draws)}


def evaluate_sentiment_rows(
    analyzer: TextAnalyzer, rows: Sequence[Mapping[str, Any]], draws: int = 1000
) -> dict[str, Any]:
    """Accuracy (with interval and confusion) of the sentiment on ``{"text", "sentiment"}`` rows."""
    predicted = [a.sentiment for a in analyzer.analyze_batch([str(r["text"]) for r in rows])]
    return _sentiment_block(predicted, [str(r["sentiment"]) for r in rows], draws)
