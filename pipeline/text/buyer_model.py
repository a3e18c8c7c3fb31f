"""Features and loading of the buyer detector's "first-hand review" model.

Trained by ``tools/train_buyer.py``; see its docstring for the weak supervision.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from pipeline.text.linear import LinearModel, load_linear

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


def load_buyer_model(path: Path = MODEL_FILE) -> LinearModel:
    """The shipped model, or an empty one (score 0) when it has not been trained."""
    if not path.exists():
        return LinearModel({})
    return load_linear(path)
