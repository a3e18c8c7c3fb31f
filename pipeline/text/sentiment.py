"""Sentiment: a logistic-regression model over segmenter tokens with negation marking.

Features (:func:`features`) are the word tokens of the own text, the platform emoticons
and emoji, and adjacent-word bigrams. A token within two words after a negator (不, 没有,
别, ...) in the same clause is prefixed with ``!`` (``!好吃``), so 不好吃 and 好吃 get their
own weights. The weights are trained by ``tools/train_sentiment.py`` on the review corpora
and shipped as ``data/sentiment_model.json.gz``.

The score is ``2 * sigmoid(bias + sum of weights) - 1`` in [-1, 1]. A text is neutral when
the features carry too little evidence (sum of absolute weights below ``min_evidence``,
e.g. a news post with no opinion words) or the score falls inside the neutral band.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.text.linear import LinearModel, load_linear

MODEL_FILE = Path(__file__).resolve().parent / "data" / "sentiment_model.json.gz"

NEGATORS = frozenset(
    "不 没 没有 无 别 非 未 不是 不太 不够 毫无 并不 从不 不怎么 不算 一点也不 一点都不 不会 不要 不能 难以 不再 绝不 决不 "
    "并非 无法 从没 从来不 根本不 根本没 没什么 不大".split()
)
NEGATION_SCOPE = 2
_BOUNDARY = frozenset(",.!?;:，。！？；：~…、\n()（）【】[]\"'“”")


def features(tokens: Sequence[str], emoticons: Iterable[str] = ()) -> list[str]:
    """Sentiment features of a token sequence (see the module docstring)."""
    out: list[str] = []
    scope = 0
    prev: str | None = None
    for tok in tokens:
        if tok in _BOUNDARY:
            scope = 0
            prev = None
            continue
        if tok.isspace() or tok.isdigit():
            continue
        if tok in NEGATORS:
            out.append(tok)
            scope = NEGATION_SCOPE
            prev = tok
            continue
        feat = "!" + tok if scope > 0 else tok
        if scope > 0:
            scope -= 1
        out.append(feat)
        if prev is not None:
            out.append(prev + "_" + tok)
        prev = tok
    out.extend(emoticons)
    return out


@dataclass(frozen=True, slots=True)
class SentimentResult:
    """Label, score in [-1, 1] and the features that weighed most in the decision."""

    label: str
    score: float
    evidence: list[str]


class SentimentModel:
    """Linear model over :func:`features`; load the shipped one with :func:`load_model`."""

    def __init__(self, linear: LinearModel, neutral_band: float = 0.05, min_evidence: float = 1.0) -> None:
        self.linear = linear
        self.neutral_band = neutral_band
        self.min_evidence = min_evidence

    def score(self, feats: Sequence[str]) -> SentimentResult:
        """Classify one text from its features."""
        total, contrib = self.linear.decision(feats)
        mass = sum(abs(v) for v, _ in contrib)
        prob = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, total))))
        score = 2.0 * prob - 1.0
        if mass < self.min_evidence or abs(score) < self.neutral_band:
            return SentimentResult("neutral", round(score, 4), [])
        label = "positive" if score > 0 else "negative"
        sign = 1.0 if score > 0 else -1.0
        top = sorted((c for c in contrib if c[0] * sign > 0), key=lambda c: -abs(c[0]))[:3]
        return SentimentResult(label, round(score, 4), list(dict.fromkeys(f for _, f in top)))


def empty_model() -> SentimentModel:
    """A model that calls everything neutral (used before the model file is trained)."""
    return SentimentModel(LinearModel({}))


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> SentimentModel:
    """The shipped model (cached per path)."""
    linear = load_linear(path)
    return SentimentModel(
        linear,
        neutral_band=float(linear.meta.get("neutral_band", 0.05)),
        min_evidence=float(linear.meta.get("min_evidence", 1.0)),
    )
