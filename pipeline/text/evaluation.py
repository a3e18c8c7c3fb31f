"""Detector metrics against labelled rows: precision, recall and F1, sentiment accuracy.

Pure functions over predictions and gold labels; the ``eval`` command and the tests use them.
Labelled rows: ``{"id", "text", "buyer": 0|1, "service_request": 0|1, "brands": [...]}``;
sentiment rows: ``{"id", "text", "sentiment": "positive"|"negative"|"neutral"}``.
Brand and competitor scores are micro-averaged over (row, brand) pairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from pipeline.text.analyzer import TextAnalyzer


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
