"""Keywords: up to five content terms of a text, ranked by tf-idf.

The inverse document frequencies come from the corpora the sentiment model is trained on
(``data/idf.json.gz``, written by ``tools/train_sentiment.py``). Stop words and generic
opinion words (``data/stopwords.txt``) are left out, so the keywords name what a text is
about (物流, 包装, 味道, 屏幕) rather than how the writer felt.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
IDF_FILE = DATA_DIR / "idf.json.gz"
STOPWORDS_FILE = DATA_DIR / "stopwords.txt"
MAX_KEYWORDS = 5


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

    def extract(self, tokens: Sequence[str], k: int = MAX_KEYWORDS) -> list[str]:
        """Up to ``k`` keywords, highest tf-idf first (ties: first occurrence)."""
        counts: dict[str, int] = {}
        for tok in tokens:
            if tok in self.extra or (_content(tok) and tok not in self.stop):
                counts[tok] = counts.get(tok, 0) + 1
        if not counts:
            return []
        idf, default = self.idf, self.default
        ranked = sorted(counts.items(), key=lambda kv: -kv[1] * idf.get(kv[0], default))
        return [w for w, _ in ranked[:k]]
