"""Features and loading of the buyer detector's "first-hand review" model.

Trained by ``tools/train_buyer.py``; see its docstring for the weak supervision.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter
from pathlib import Path

from pipeline.text.linear import LinearModel, load_linear

_first = itemgetter(0)
MODEL_FILE = Path(__file__).resolve().parent / "data" / "buyer_model.json.gz"


def buyer_features(tokens: Sequence[str], exclude: Iterable[str] = ()) -> list[str]:
    """Distinct word tokens in order, without digits, whitespace and ``exclude`` (brand names)."""
    skip = set(exclude)
    seen: dict[str, None] = {}
    for tok in tokens:
        if tok.isspace() or tok.isdigit() or tok in skip:
            continue
        seen.setdefault(tok, None)
    return list(seen)


def model_score(model: LinearModel, tokens: Sequence[str], exclude: frozenset[str] = frozenset()) -> float:
    """The model score of a token sequence (each distinct token counts once; ``exclude`` none)."""
    return model.bias + sum(filter(None, map(model.weights.get, set(tokens) - exclude)))


def model_evidence(
    model: LinearModel, tokens: Sequence[str], exclude: frozenset[str] = frozenset(), k: int = 3
) -> list[str]:
    """The ``k`` words (two characters or more) that pushed the score up most."""
    get = model.weights.get
    scored = [(w, t) for t in dict.fromkeys(tokens) if len(t) > 1 and (w := get(t)) and w > 0 and t not in exclude]
    return [t for _, t in sorted(scored, key=_first, reverse=True)[:k]]  # = heapq.nlargest, ties included


class ReviewScorer:
    """:func:`model_score` and :func:`model_evidence` of one model with the ``exclude`` words left out beforehand.

    Leaving the brand names out of the table once saves a set difference per text; the evidence
    reads a table of the words that can be evidence only.
    """

    def __init__(self, model: LinearModel, exclude: frozenset[str] = frozenset()) -> None:
        self._weights = {t: w for t, w in model.weights.items() if w and t not in exclude}
        self._positive = {t: w for t, w in self._weights.items() if w > 0 and len(t) > 1}
        self._bias = model.bias

    def scores(self, tokens: Sequence[Sequence[str]]) -> list[float]:
        """``model_score`` of each token list (each distinct token counts once)."""
        get, bias = self._weights.get, self._bias
        return [bias + sum(filter(None, map(get, set(t)))) for t in tokens]

    def evidence(self, tokens: Sequence[str], k: int = 3) -> list[str]:
        """``model_evidence``: the ``k`` words (two characters or more) that pushed the score up most."""
        positive = self._positive
        found = dict.fromkeys(filter(positive.__contains__, tokens))
        scored = [(positive[t], t) for t in found]
        return [t for _, t in sorted(scored, key=_first, reverse=True)[:k]]


def load_buyer_model(path: Path = MODEL_FILE) -> LinearModel:
    """The shipped model, or an empty one (score 0) when it has not been trained."""
    if not path.exists():
        return LinearModel({})
    return load_linear(path)
