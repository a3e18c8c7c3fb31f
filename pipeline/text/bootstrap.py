"""Bootstrap 95 % intervals of detector metrics (percentile method, seeded, numpy).

Rows are resampled with replacement ``draws`` times; each draw's metric is computed on the
resampled rows and the 2.5th and 97.5th percentiles of the draws are the interval. The seed is
fixed so that a report is reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DRAWS = 1000
SEED = 23
LEVEL = 0.95


def _indexes(n: int, draws: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(draws, n))


def _interval(values: np.ndarray) -> tuple[float, float]:
    tail = (1.0 - LEVEL) / 2 * 100
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return round(float(lo), 4), round(float(hi), 4)


def binary_intervals(
    predicted: Sequence[bool], gold: Sequence[bool], draws: int = DRAWS, seed: int = SEED
) -> dict[str, tuple[float, float]]:
    """95 % intervals of precision, recall and F1 of a binary detector.

    In a draw without predicted positives precision is 1.0, without gold positives recall is
    1.0 (as in :class:`pipeline.text.evaluation.Score`).
    """
    p = np.asarray(predicted, dtype=bool)
    g = np.asarray(gold, dtype=bool)
    return count_intervals((p & g).astype(float), (p & ~g).astype(float), (g & ~p).astype(float), draws, seed)


def count_intervals(
    tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, draws: int = DRAWS, seed: int = SEED
) -> dict[str, tuple[float, float]]:
    """95 % intervals of precision, recall and F1 from per-row counts of tp, fp and fn."""
    n = len(tp)
    if n == 0:
        return {"precision": (1.0, 1.0), "recall": (1.0, 1.0), "f1": (1.0, 1.0)}
    idx = _indexes(n, draws, seed)
    tps, fps, fns = tp[idx].sum(axis=1), fp[idx].sum(axis=1), fn[idx].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tps + fps > 0, tps / (tps + fps), 1.0)
        recall = np.where(tps + fns > 0, tps / (tps + fns), 1.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return {"precision": _interval(precision), "recall": _interval(recall), "f1": _interval(f1)}


def accuracy_interval(right: Sequence[bool], draws: int = DRAWS, seed: int = SEED) -> tuple[float, float]:
    """95 % interval of the share of right answers."""
    r = np.asarray(right, dtype=float)
    if len(r) == 0:
        return (0.0, 0.0)
    return _interval(r[_indexes(len(r), draws, seed)].mean(axis=1))
