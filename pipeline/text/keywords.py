"""Keywords: up to five content terms of a text, ranked by tf-idf.

The inverse document frequencies come from the corpora the sentiment model is trained on
(``data/idf.json.gz``, written by ``tools/train_sentiment.py``). Stop words and generic
opinion words (``data/stopwords.txt``) are left out, so the keywords name what a text is
about (物流, 包装, 味道, 屏幕) rather than how the writer felt.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Collection, Sequence
from functools import lru_cache
from itertools import chain, count, islice, repeat
from operator import itemgetter
from pathlib import Path
from typing import cast

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
IDF_FILE = DATA_DIR / "idf.json.gz"
STOPWORDS_FILE = DATA_DIR / "stopwords.txt"
MAX_KEYWORDS = 5
CACHE_SIZE = 200_000
"""Token weights an extractor remembers between texts before it starts over (some 30 MB at the bound)."""
_first = itemgetter(0)
_MISSING = -1.0


@lru_cache(maxsize=1)
def load_stopwords(path: Path = STOPWORDS_FILE) -> frozenset[str]:
    """Stop words, one per line (``#`` starts a comment)."""
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.update(line.split())
    return frozenset(words)


@lru_cache(maxsize=1)
def load_idf(path: Path = IDF_FILE) -> tuple[dict[str, float], float]:
    """Word -> idf, and the idf given to words never seen in the corpora."""
    if not path.exists():
        return {}, 1.0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    return {k: float(v) for k, v in data["idf"].items()}, float(data["default"])


def _content(tok: str) -> bool:
    if len(tok) < 2:
        return False
    if all("\u4e00" <= ch <= "\u9fff" for ch in tok):
        return True
    return tok.isascii() and tok.isalnum() and not tok.isdigit() and any(c.isalpha() for c in tok)


class KeywordExtractor:
    """Ranks the content tokens of a text by tf-idf.

    The weight of each token (its idf, or 0 for a token that can never be a keyword) is
    remembered between texts, up to ``cache_size`` tokens; when the next text's new tokens
    would pass that bound, the cache starts over. A text's weights are all read or computed
    before anything is dropped, so a text is always scored with every one of its weights,
    however many new tokens it brings (clearing the cache in the middle of a text would lose
    the weights of its earlier tokens). Use one extractor from one thread at a time, like
    the analyzer that owns it.
    """

    def __init__(self, extra_terms: Sequence[str] = (), cache_size: int = CACHE_SIZE) -> None:
        """Extract with the shipped idf and stop words; ``extra_terms`` are always content (brand names)."""
        if cache_size < 0:
            raise ValueError(f"cache_size must be >= 0, not {cache_size}")
        self.idf, self.default = load_idf()
        self.stop = load_stopwords()
        self.extra = frozenset(extra_terms)
        self.cache_size = cache_size
        self._weight: dict[str, float] = {}

    def _compute(self, tok: str) -> float:
        if tok in self.extra or (_content(tok) and tok not in self.stop):
            return self.idf.get(tok, self.default)
        return 0.0

    def extract_many(self, texts: Sequence[Sequence[str]], k: int = MAX_KEYWORDS) -> list[list[str]]:
        """:meth:`extract` of each token list; the texts whose weights are all cached are ranked together in numpy.

        Same keywords in the same order: a token's score is its count times its weight, ties go to
        the first occurrence. A text with a token not cached yet goes through :meth:`extract`.
        """
        n = len(texts)
        flat = list(chain.from_iterable(texts))
        weights = np.fromiter(map(self._weight.get, flat, repeat(_MISSING)), dtype=float, count=len(flat))
        text_of = np.repeat(np.arange(n), np.fromiter(map(len, texts), dtype=np.int64, count=n))
        general = np.zeros(n, dtype=bool)
        general[text_of[weights < 0]] = True  # not cached yet (or a negative weight)
        out = [self.extract(t, k) if g else [] for t, g in zip(texts, general.tolist(), strict=True)]
        content = np.flatnonzero((weights > 0) & ~general[text_of])
        words = [flat[i] for i in content.tolist()]
        table: dict[str, int] = {}
        ids = np.fromiter(map(table.setdefault, words, count()), dtype=np.int64, count=len(words))  # one id a word
        owner = text_of[content]
        pairs, first, counts = np.unique(owner * (len(flat) + 1) + ids, return_index=True, return_counts=True)
        score = counts * weights[content[first]]
        order = np.lexsort((first, -score, owner[first]))  # by text, best score first, then first occurrence
        ranked = owner[first][order]
        chosen = first[order[np.arange(len(order)) - np.searchsorted(ranked, ranked, side="left") < k]]
        for text, at in zip(owner[chosen].tolist(), chosen.tolist(), strict=True):
            out[text].append(words[at])
        return out

    def extract(self, tokens: Sequence[str], k: int = MAX_KEYWORDS) -> list[str]:
        """Up to ``k`` keywords, highest tf-idf first (ties: first occurrence)."""
        counts = Counter(tokens)
        cache = self._weight
        if cache.keys() >= counts.keys():  # the usual case: every weight known, nothing to evict
            scored = [(n * w, t) for t, n in counts.items() if (w := cache[t])]
        else:
            weights = self.weights(counts)
            scored = [(n * w, t) for (t, n), w in zip(counts.items(), weights, strict=True) if w]
        # sorted() is stable with reverse=True: equal scores keep their first-occurrence order
        return [t for _, t in sorted(scored, key=_first, reverse=True)[:k]]

    def weights(self, tokens: Collection[str]) -> list[float]:
        """The weight of each of ``tokens`` (distinct), in order: its idf, or 0 if it is no content word.

        Each cached weight is read once, the others are computed, and only then are the new
        ones remembered (which may start the cache over): nothing this call uses can be dropped
        while it runs.
        """
        get = self._weight.get
        known = [get(t) for t in tokens]
        compute = self._compute
        fresh = {t: compute(t) for t, w in zip(tokens, known, strict=True) if w is None}
        if not fresh:
            return cast("list[float]", known)  # every weight was cached
        self._remember(fresh)
        return [fresh[t] if w is None else w for t, w in zip(tokens, known, strict=True)]

    def _remember(self, fresh: dict[str, float]) -> None:
        """Add ``fresh`` weights, starting over first when they would pass ``cache_size``."""
        cache = self._weight
        if len(cache) + len(fresh) > self.cache_size:
            cache.clear()
        if len(fresh) > self.cache_size:  # one text with more distinct tokens than the bound
            fresh = dict(islice(fresh.items(), self.cache_size))
        cache.update(fresh)

    @property
    def cached(self) -> int:
        """Token weights remembered now (never more than ``cache_size``)."""
        return len(self._weight)
