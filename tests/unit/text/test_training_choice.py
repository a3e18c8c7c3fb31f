"""How tools/train_detectors.py chooses a detector head among its cross-validated candidates (pure)."""

from __future__ import annotations

import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[3] / "tools"
sys.path.insert(0, str(TOOLS))

from train_detectors import Candidate, one_standard_error  # noqa: E402


def _candidate(l2: float, presence: bool, folds: list[float]) -> Candidate:
    return Candidate(l2, presence, [], 0.0, sum(folds) / len(folds), folds)


def test_the_most_regularised_candidate_within_one_standard_error_of_the_best_is_kept() -> None:
    best = _candidate(1e-4, True, [0.86, 0.88, 0.84, 0.87, 0.85])
    close = _candidate(1e-3, False, [0.87, 0.86, 0.85, 0.86, 0.85])  # 0.002 behind, ahead on two folds
    far = _candidate(3e-3, False, [0.80, 0.82, 0.79, 0.81, 0.80])  # 0.056 behind, every fold clearly worse
    assert one_standard_error([best, close, far]) is close
    assert one_standard_error([best, far]) is best


def test_a_shortfall_that_is_steady_across_folds_is_told_apart() -> None:
    best = _candidate(1e-4, True, [0.70, 0.90, 0.60, 0.80, 0.75])
    # the same folds 0.01 lower each: the folds vary a lot, but the gap does not, so it is a real gap
    steady = _candidate(1e-3, True, [0.69, 0.89, 0.59, 0.79, 0.74])
    assert one_standard_error([best, steady]) is best


def test_ties_in_strength_go_to_the_better_figure() -> None:
    counts = _candidate(3e-4, False, [0.80, 0.81, 0.79, 0.80, 0.80])
    presence = _candidate(3e-4, True, [0.81, 0.81, 0.80, 0.80, 0.81])
    assert one_standard_error([counts, presence]) is presence
