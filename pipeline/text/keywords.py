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
from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
IDF_FILE = DATA_DIR / "idf.json.gz"
STOPWORDS_FILE = DATA_DIR / "stopwords.txt"
MAX_KEYWORDS = 5
_first = itemgetter(0)


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
    """Ranks the content tokens of a text by tf-idf."""

    def __init__(self, extra_terms: Sequence[str] = ()) -> None:
        self.idf, self.default = load_idf()
        self.stop = load_stopwords()
        self.extra = frozenset(extra_terms)
        self._weight: dict[str, float] = {}

    def _compute(self, tok: str) -> float:
        if tok in self.extra or (_content(tok) and tok not in self.stop):
            return self.idf.get(tok, self.default)
        return 0.0

    def extract(self, tokens: Sequence[str], k: int = MAX_KEYWORDS) -> list[str]:
        """Up to ``k`` keywords, highest tf-idf first (ties: first occurrence)."""
        cache = self._weight
        counts = Counter(tokens)
        for tok in [t for t in counts if t not in cache]:
            if len(cache) >= 200_000:
                cache.clear()
            cache[tok] = self._compute(tok)
        scored = [(n * cache[t], t) for t, n in counts.items() if cache[t]]
        # sorted() is stable with reverse=True: equal scores keep their first-occurrence order
        return [t for _, t in sorted(scored, key=_first, reverse=True)[:k]]
