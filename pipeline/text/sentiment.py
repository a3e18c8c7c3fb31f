"""Sentiment: a logistic-regression model over segmenter tokens with negation marking.

Features (:func:`features`) are the word tokens of the own text and the platform
emoticons and emoji. A token within two words after a negator (不, 没有, 别, ...) in the
same clause is prefixed with ``!`` (``!好吃``), so 不好吃 and 好吃 get their own weights.
(Adjacent-word bigrams added less than one point of accuracy on the development set and
cost a third of the analyzer's time, so they are left out.) The weights are trained by
``tools/train_sentiment.py`` on the review corpora
and shipped as ``data/sentiment_model.json.gz``.

The score is ``2 * sigmoid(bias + sum of weights) - 1`` in [-1, 1]. A text is neutral when
the features carry too little evidence (sum of absolute weights below ``min_evidence``,
e.g. a news post with no opinion words) or the score falls inside the neutral band.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from pipeline.text.linear import LinearModel, load_linear

MODEL_FILE = Path(__file__).resolve().parent / "data" / "sentiment_model.json.gz"

NEGATORS = frozenset(
    "不 没 没有 无 别 非 未 不是 不太 不够 毫无 并不 从不 不怎么 不算 一点也不 一点都不 "
    "不会 不要 不能 难以 不再 绝不 决不 "
    "并非 无法 从没 从来不 根本不 根本没 没什么 不大".split()
)
NEGATION_SCOPE = 2
_first = itemgetter(0)
_BOUNDARY = frozenset(",.!?;:，。！？；：~…、\n()（）【】[]\"'“”")


def negated_positions(tokens: Sequence[str]) -> list[int]:
    """Indexes of the tokens in a negator's scope (up to two words after it, same clause)."""
    out: list[int] = []
    scope = 0
    for i, tok in enumerate(tokens):
        if tok in _BOUNDARY:
            scope = 0
        elif tok in NEGATORS:
            scope = NEGATION_SCOPE
        elif scope and not tok.isdigit():
            out.append(i)
            scope -= 1
    return out


def features(tokens: Sequence[str], emoticons: Iterable[str] = ()) -> list[str]:
    """Sentiment features of a token sequence (see the module docstring)."""
    marked = set(negated_positions(tokens)) if not NEGATORS.isdisjoint(tokens) else set()
    out = [
        ("!" + tok if i in marked else tok)
        for i, tok in enumerate(tokens)
        if tok not in _BOUNDARY and not tok.isdigit()
    ]
    out.extend(emoticons)
    return out


class SentimentResult(NamedTuple):
    """Label, score in [-1, 1] and the features that weighed most in the decision."""

    label: str
    score: float
    evidence: list[str]


class SentimentModel:
    """Linear model over :func:`features`; load the shipped one with :func:`load_model`."""

    def __init__(self, linear: LinearModel, neutral_band: float = 0.05, min_evidence: float = 1.0) -> None:
        self.linear = linear
        self._get = linear.weights.get
        self.neutral_band = neutral_band
        self.min_evidence = min_evidence

    def score(self, feats: Sequence[str]) -> SentimentResult:
        """Classify one text from its features."""
        return self._decide(feats, list(map(self._get, feats)))

    def score_tokens(self, tokens: Sequence[str], emoticons: Sequence[str] = ()) -> SentimentResult:
        """``score(features(tokens, emoticons))``, computed without building most features."""
        if NEGATORS.isdisjoint(tokens):
            feats: list[str] = [*tokens, *emoticons] if emoticons else list(tokens)
        else:
            feats = list(tokens)
            for i in negated_positions(tokens):
                feats[i] = "!" + feats[i]
            feats.extend(emoticons)
        return self._decide(feats, list(map(self._get, feats)))

    def _decide(self, feats: Sequence[str], vals: list[float | None]) -> SentimentResult:
        known = list(filter(None, vals))
        total = self.linear.bias + sum(known)
        mass = sum(map(abs, known))
        prob = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, total))))
        score = 2.0 * prob - 1.0
        if mass < self.min_evidence or abs(score) < self.neutral_band:
            return SentimentResult("neutral", round(score, 4), [])
        if score > 0:
            pos = [(v, f) for v, f in zip(vals, feats, strict=True) if v is not None and v > 0]
            # sorted()[:3] is heapq.nlargest(3, ...) exactly (ties included), cheaper for short lists
            top = [f for _, f in sorted(pos, key=_first, reverse=True)[:3]]
            return SentimentResult("positive", round(score, 4), list(dict.fromkeys(top)))
        neg = [(v, f) for v, f in zip(vals, feats, strict=True) if v is not None and v < 0]
        top = [f for _, f in sorted(neg, key=_first)[:3]]
        return SentimentResult("negative", round(score, 4), list(dict.fromkeys(top)))


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
