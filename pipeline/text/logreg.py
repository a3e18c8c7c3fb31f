"""Training helpers of the learned heads (numpy; used by ``tools/train_detectors.py``, not at run time).

* :func:`design`: a sparse count design (row, column) from feature lists and a vocabulary;
* :func:`fit_logistic`: weighted, L2-regularised logistic regression by full-batch Adam;
* :func:`best_threshold`: the score threshold with the best F1 (or accuracy) on labelled scores.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
Index = NDArray[np.int64]


def vocabulary(feature_lists: Sequence[Sequence[str]], min_count: int) -> dict[str, int]:
    """Features seen in at least ``min_count`` of the lists, numbered in sorted order."""
    df: Counter[str] = Counter()
    for feats in feature_lists:
        df.update(set(feats))
    return {f: i for i, f in enumerate(sorted(f for f, c in df.items() if c >= min_count))}


def design(feature_lists: Sequence[Sequence[str]], vocab: dict[str, int]) -> tuple[Index, Index]:
    """Row and column indexes of the design matrix, one pair per feature occurrence (unknown ones dropped).

    A feature occurring twice in a text gives two pairs: the sums of :func:`fit_logistic` count it
    twice, as :meth:`pipeline.text.learned.Scorer.batch` does at run time.
    """
    rows: list[int] = []
    cols: list[int] = []
    for i, feats in enumerate(feature_lists):
        idx = [vocab[f] for f in feats if f in vocab]
        rows.extend([i] * len(idx))
        cols.extend(idx)
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)


def fit_logistic(
    rows: Index,
    cols: Index,
    y: Array,
    sample_w: Array,
    dim: int,
    l2: float,
    epochs: int = 200,
    lr: float = 0.05,
) -> tuple[Array, float]:
    """Weights and bias minimising the weighted mean log loss plus ``l2 / 2 * |w|^2`` (Adam, deterministic)."""
    n = len(y)
    w = np.zeros(dim)
    b = 0.0
    m_w = np.zeros(dim)
    v_w = np.zeros(dim)
    m_b = v_b = 0.0
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    total_w = float(sample_w.sum())
    for t in range(1, epochs + 1):
        z = np.bincount(rows, weights=w[cols], minlength=n) + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        g = (p - y) * sample_w / total_w
        grad_w = np.bincount(cols, weights=g[rows], minlength=dim) + l2 * w
        grad_b = float(g.sum())
        m_w = beta1 * m_w + (1 - beta1) * grad_w
        v_w = beta2 * v_w + (1 - beta2) * grad_w**2
        m_b = beta1 * m_b + (1 - beta1) * grad_b
        v_b = beta2 * v_b + (1 - beta2) * grad_b**2
        w -= lr * (m_w / (1 - beta1**t)) / (np.sqrt(v_w / (1 - beta2**t)) + eps)
        b -= lr * (m_b / (1 - beta1**t)) / (math.sqrt(v_b / (1 - beta2**t)) + eps)
    return w, b


def f1(predicted: Sequence[bool], gold: Sequence[bool]) -> float:
    """F1 of binary predictions (0.0 when nothing is right)."""
    tp = sum(1 for p, g in zip(predicted, gold, strict=True) if p and g)
    fp = sum(1 for p, g in zip(predicted, gold, strict=True) if p and not g)
    fn = sum(1 for p, g in zip(predicted, gold, strict=True) if g and not p)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def accuracy(predicted: Sequence[bool], gold: Sequence[bool]) -> float:
    """Share of right predictions (0.0 for none)."""
    return sum(1 for p, g in zip(predicted, gold, strict=True) if p == g) / len(gold) if gold else 0.0


def best_threshold(
    scores: Sequence[float], gold: Sequence[bool], metric: Callable[[Sequence[bool], Sequence[bool]], float] = f1
) -> tuple[float, float]:
    """The score threshold (predict yes at or above it) with the best ``metric`` (F1), and that value.

    Candidates are the midpoints between consecutive distinct scores; of equally good ones the
    middle of the best run is taken, so the threshold does not hug one labelled example.
    """
    distinct = sorted(set(scores))
    cands = [(a + b) / 2 for a, b in zip(distinct, distinct[1:], strict=False)] or [0.0]
    results = [(metric([s >= c for s in scores], gold), c) for c in cands]
    top = max(r for r, _ in results)
    best = [c for r, c in results if r == top]
    return best[len(best) // 2], top
