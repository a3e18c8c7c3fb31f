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


def load_buyer_model(path: Path = MODEL_FILE) -> LinearModel:
    """The shipped model, or an empty one (score 0) when it has not been trained."""
    if not path.exists():
        return LinearModel({})
    return load_linear(path)
