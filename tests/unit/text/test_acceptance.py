"""Acceptance thresholds of the detectors on the development copies (tests/data).

dev/labelled.jsonl with dev/lexicon.yaml: buyer and service_request precision >= 0.90 and
recall >= 0.85; brands (micro over (row, brand) pairs) precision and recall >= 0.95.
dev/sentiment.jsonl: accuracy >= 0.85. About half of the dev/labelled.jsonl rows are in the
train split of the project's labels (pipeline/data/labels/), so the learned heads have seen
them: this is a regression guard, not a blind measure (the blind one is tests/unit/text/test_test_split.py).
"""

from __future__ import annotations

from pipeline.text.evaluation import Score, binary_score, evaluate, set_score
from tests.unit.text._support import LABELLED, SENTIMENT, analyzer, rows


def test_metric_helpers() -> None:
    assert binary_score([True, True, False, False], [True, False, True, False]) == Score(1, 1, 1)
    s = set_score([["a", "b"], []], [["a"], ["c"]])
    assert (s.tp, s.fp, s.fn) == (1, 1, 1) and s.precision == 0.5 and s.recall == 0.5
    assert Score(0, 0, 0).precision == 1.0 and Score(0, 0, 0).f1 == 1.0


def test_dev_set_meets_the_acceptance_thresholds() -> None:
    report = evaluate(analyzer(), rows(LABELLED), rows(SENTIMENT))
    assert report.rows == 321
    assert report.buyer.precision >= 0.90 and report.buyer.recall >= 0.85, report.buyer
    assert report.service_request.precision >= 0.90 and report.service_request.recall >= 0.85, report.service_request
    assert report.brands.precision >= 0.95 and report.brands.recall >= 0.95, report.brands
    assert report.competitors.precision >= 0.95 and report.competitors.recall >= 0.95, report.competitors
    assert report.sentiment_accuracy is not None and report.sentiment_accuracy >= 0.85
