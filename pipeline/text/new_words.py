"""New-word discovery: frequent character n-grams that behave like words the dictionary does not know.

A candidate (2 to :data:`MAX_LEN` Chinese characters, seen at least ``min_count`` times) is a word when

- its parts stick together (**cohesion**): for every way of cutting it in two, it occurs far more often
  than its halves would together by chance; cohesion = min over cuts of ln(p(w) / (p(left) p(right)));
- it does not start or end with a function character (:data:`EDGE_STOPS`);
- it is free at both ends (**boundary entropy**): the characters before it, and those after it, vary
  (entropy of the neighbour distribution; a text edge counts as a distinct neighbour each time).
  A fragment of a longer word always has the same neighbour on one side, so its entropy there is low.

Two passes over the texts, each a constant number of steps per character: linear in the input.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_LEN = 4
"""Longest candidate, in characters."""
_RUNS = re.compile(r"[\u4e00-\u9fff]+")
EDGE_STOPS = frozenset("的了是在也都很不我你他她它们这那就还让给和与及又有没被把吗呢吧啊呀哦嘛么啦着过得地个一")
"""Function characters a new word does not start or end with (they glue phrases: 都是, 买了, 让我)."""


@dataclass(frozen=True, slots=True)
class NewWord:
    """A discovered word with its evidence."""

    word: str
    count: int
    cohesion: float
    left_entropy: float
    right_entropy: float

    @property
    def score(self) -> float:
        """Frequency weighted by the weaker boundary: ``count * min(left, right entropy)``."""
        return self.count * min(self.left_entropy, self.right_entropy)


def _entropy(counts: Counter[str], edges: int) -> float:
    total = sum(counts.values()) + edges
    if not total:
        return 0.0
    h = -sum(c / total * math.log(c / total) for c in counts.values())
    return h + edges * (1 / total) * math.log(total)  # each text edge a neighbour of its own


def _runs(texts: Iterable[str]) -> list[str]:
    return [run for text in texts for run in _RUNS.findall(text)]


def discover(texts: Iterable[str], known: set[str] | frozenset[str] = frozenset(), *, min_count: int = 3,
             min_cohesion: float = 2.0, min_entropy: float = 1.0, limit: int = 20) -> list[NewWord]:
    """Words among ``texts`` not in ``known``, best first (see the module's criteria)."""
    runs = _runs(texts)
    grams: Counter[str] = Counter()
    for run in runs:
        for n in range(1, MAX_LEN + 1):
            grams.update(run[i:i + n] for i in range(len(run) - n + 1))
    chars = sum(len(run) for run in runs)
    if not chars:
        return []
    candidates = {g for g, c in grams.items() if 2 <= len(g) and c >= min_count and g not in known
                  and g[0] not in EDGE_STOPS and g[-1] not in EDGE_STOPS}
    cohesion = {g: _cohesion(g, grams, chars) for g in candidates}
    candidates = {g for g in candidates if cohesion[g] >= min_cohesion}
    left, right, edges_l, edges_r = _neighbours(runs, candidates)
    found = [NewWord(g, grams[g], round(cohesion[g], 3), round(_entropy(left[g], edges_l[g]), 3),
                     round(_entropy(right[g], edges_r[g]), 3)) for g in candidates]
    found = [w for w in found if min(w.left_entropy, w.right_entropy) >= min_entropy]
    return sorted(found, key=lambda w: (-w.score, w.word))[:limit]


def _cohesion(gram: str, grams: Counter[str], chars: int) -> float:
    p = grams[gram] / chars
    return min(math.log(p / ((grams[gram[:k]] / chars) * (grams[gram[k:]] / chars))) for k in range(1, len(gram)))


def _neighbours(runs: Sequence[str], candidates: set[str]) -> tuple[
        defaultdict[str, Counter[str]], defaultdict[str, Counter[str]], Counter[str], Counter[str]]:
    left: defaultdict[str, Counter[str]] = defaultdict(Counter)
    right: defaultdict[str, Counter[str]] = defaultdict(Counter)
    edges_l: Counter[str] = Counter()
    edges_r: Counter[str] = Counter()
    for run in runs:
        for n in range(2, MAX_LEN + 1):
            for i in range(len(run) - n + 1):
                g = run[i:i + n]
                if g not in candidates:
                    continue
                if i:
                    left[g][run[i - 1]] += 1
                else:
                    edges_l[g] += 1
                if i + n < len(run):
                    right[g][run[i + n]] += 1
                else:
                    edges_r[g] += 1
    return left, right, edges_l, edges_r
