"""A sparse linear model over string features, stored as gzipped JSON.

Used for the sentiment model and the buyer "first-hand review" model; both are trained by
scripts under ``tools/`` and loaded here. File format::

    {"kind": "...", "bias": 0.1, "weights": {"feature": 0.42, ...}, "meta": {...}}
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class LinearModel:
    """``z = bias + sum(weights[f] for f in features)``."""

    weights: dict[str, float]
    bias: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    def decision(self, features: Iterable[str]) -> tuple[float, list[tuple[float, str]]]:
        """The score and each known feature's contribution (in feature order)."""
        w = self.weights
        total = self.bias
        contrib: list[tuple[float, str]] = []
        for f in features:
            v = w.get(f)
            if v is not None:
                total += v
                contrib.append((v, f))
        return total, contrib

    def save(self, path: Path, kind: str, digits: int = 3) -> None:
        """Write the model as gzipped JSON (weights rounded to ``digits``)."""
        data = {
            "kind": kind,
            "bias": round(self.bias, 6),
            "weights": {k: round(v, digits) for k, v in sorted(self.weights.items())},
            "meta": self.meta,
        }
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))


@lru_cache(maxsize=8)
def load_linear(path: Path) -> LinearModel:
    """Load a model written by :meth:`LinearModel.save` (cached per path)."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    return LinearModel(
        weights={k: float(v) for k, v in data["weights"].items()},
        bias=float(data.get("bias", 0.0)),
        meta=dict(data.get("meta", {})),
    )
