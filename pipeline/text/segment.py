"""Word segmentation behind one small interface; jieba is the reference, rjieba the fast backend.

Each text is cut by the backend in one call; whitespace tokens are dropped, and runs of
Latin letters, digits and ``._%+#&-`` (where jieba and jieba-rs group characters
differently, e.g. ``2.5M`` or ``t.cn``) are re-tokenised here by one regular expression, so
the two backends give identical tokens.

Each :class:`Segmenter` owns its own dictionary (a ``jieba.Tokenizer`` / ``rjieba.Jieba``
instance, never the module-level default), so analyzers with different lexicons can live
in one process. jieba's main dictionary is loaded once per process and copied into each
new tokenizer.

User words are added with :func:`user_dictionary`, which keeps the dictionary's total
frequency unchanged: the frequency mass given to new words is taken proportionally from
the most frequent words. Every other word keeps its probability, and the two backends
(whose floating-point rounding can differ when the total changes) stay token-identical.
"""

from __future__ import annotations

import heapq
import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Literal, Protocol

log = logging.getLogger(__name__)
logging.getLogger("jieba").setLevel(logging.WARNING)  # jieba logs its dictionary loading at DEBUG

Backend = Literal["rjieba", "jieba"]
BACKENDS: tuple[Backend, ...] = ("rjieba", "jieba")

# jieba's non-Han block characters: a run of tokens made of these is re-tokenised here.
_BLOCK_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789._%+#&-"
_LATIN = re.compile(r"[a-z0-9]+(?:[._\-'+][a-z0-9]+)*|[^\sa-z0-9]")
_HAS_ASCII_ALNUM = re.compile(r"[a-z0-9]")


class Segmenter(Protocol):
    """What the analyzer needs from a segmentation backend."""

    backend: Backend

    def cut(self, text: str) -> list[str]:
        """Segment ``text`` in precise mode with the HMM for unknown words."""
        ...

    def add_word(self, word: str, freq: int) -> None:
        """Add ``word`` to this instance's dictionary with frequency ``freq``."""
        ...


_COMPENSATE_TOP = 300


def _dictionary_path() -> str:
    import jieba

    return os.path.join(os.path.dirname(jieba.__file__), "dict.txt")


def _dictionary_entries() -> Iterator[tuple[str, int]]:
    """``(word, frequency)`` of jieba's main dictionary, read line by line."""
    with open(_dictionary_path(), encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ", 2)
            if len(parts) >= 2:
                yield parts[0], int(parts[1])


def main_dictionary() -> dict[str, int]:
    """The main dictionary of jieba (word -> frequency), which jieba-rs embeds as well.

    About 50 MB as Python objects: built only on request, never kept.
    """
    return dict(_dictionary_entries())


def user_dictionary(words: Mapping[str, int]) -> list[tuple[str, int]]:
    """``(word, frequency)`` entries to add: the user words, then frequency compensation.

    A word already in the main dictionary keeps the larger of both frequencies. The
    frequency added in total is removed from the most frequent pure-Han words in proportion
    to their frequency, so the dictionary total (and every other word's probability) is
    unchanged.

    The main dictionary is streamed, keeping only the user words' frequencies and the most
    frequent words: holding all of it (and the memory the allocator keeps after it) would
    cost every analysis process about 70 MB for good.
    """
    wanted = {w: f for w, f in words.items() if w and _is_han(w)}
    known: dict[str, int] = {}  # main-dictionary frequencies of the user words

    def others() -> Iterator[tuple[int, str]]:
        for w, f in _dictionary_entries():
            if w in wanted:
                known[w] = f
            elif _is_han(w):
                yield f, w

    top = heapq.nlargest(_COMPENSATE_TOP, others())
    entries = [(w, max(f, known.get(w, 0))) for w, f in wanted.items()]
    added = sum(f - known.get(w, 0) for w, f in entries)
    if added <= 0:
        return entries
    mass = sum(f for f, _ in top)
    left = added
    for i, (f, w) in enumerate(top):
        share = left if i == len(top) - 1 else min(left, round(added * f / mass))
        left -= share
        entries.append((w, f - share))
    return entries


def _is_han(word: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fd5" for ch in word)


@lru_cache(maxsize=1)
def _jieba_main_dict() -> tuple[dict[str, int], int]:
    """The main dictionary of jieba (prefix dict and total), loaded once per process."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # importing jieba resets its logger to DEBUG
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok.FREQ, tok.total


class JiebaSegmenter:
    """The reference backend: a private ``jieba.Tokenizer``."""

    backend: Backend = "jieba"

    def __init__(self) -> None:
        import jieba

        freq, total = _jieba_main_dict()
        tok = jieba.Tokenizer()
        tok.FREQ = dict(freq)
        tok.total = total
        tok.initialized = True
        self._tok = tok

    def cut(self, text: str) -> list[str]:
        """Segment with jieba (precise mode, HMM on)."""
        tokens: list[str] = self._tok.lcut(text, HMM=True)
        return tokens

    def add_word(self, word: str, freq: int) -> None:
        """Add a user word, or set the frequency of a known one.

        jieba adds the new frequency to its total without removing the old one; jieba-rs
        replaces it. We replace (the total stays the sum of all frequencies), so both
        backends compute the same probabilities and break near-ties the same way.
        """
        old = self._tok.FREQ.get(word, 0)
        self._tok.add_word(word, freq)
        self._tok.total -= old


class RJiebaSegmenter:
    """The fast backend: a private ``rjieba.Jieba`` (jieba-rs, same dictionary and HMM)."""

    backend: Backend = "rjieba"

    def __init__(self) -> None:
        import rjieba

        self._tok = rjieba.Jieba()

    def cut(self, text: str) -> list[str]:
        """Segment with jieba-rs (precise mode, HMM on)."""
        return self._tok.cut(text, True)

    def add_word(self, word: str, freq: int) -> None:
        """Add a user word."""
        self._tok.add_word(word, freq, None)


def release_module_dictionary() -> None:
    """Empty the dictionary of rjieba's module-level default tokenizer (about 16 MB).

    Importing rjieba builds that default, which segmenters here never use (each owns its
    instance). Only for processes that segment through :class:`Segmenter` alone, such as the
    worker's analysis processes: afterwards ``rjieba.cut`` no longer knows any word.
    """
    import sys

    module = sys.modules.get("rjieba")
    if module is not None:
        module.clear()


def make_segmenter(backend: Backend, words: Iterable[tuple[str, int]] = ()) -> Segmenter:
    """A new segmenter of ``backend`` with the user ``words`` (word, frequency) added in order."""
    seg: Segmenter
    if backend == "rjieba":
        seg = RJiebaSegmenter()
    elif backend == "jieba":
        seg = JiebaSegmenter()
    else:
        raise ValueError(f"unknown segmenter backend {backend!r}; expected one of {BACKENDS}")
    n = 0
    for word, freq in words:
        seg.add_word(word, freq)
        n += 1
    log.debug("segmenter %s ready with %d user words", backend, n)
    return seg


def tokenize_many(seg: Segmenter, texts: Sequence[str]) -> list[list[str]]:
    """Tokens of each text, whitespace dropped, punctuation and emoji kept as one-char tokens.

    Texts must already be normalised (lower case, half width).
    """
    return [tokenize(seg, text) for text in texts]


def tokenize(seg: Segmenter, text: str) -> list[str]:
    """Tokens of one normalised text (see :func:`tokenize_many`)."""
    if not text:
        return []
    toks = seg.cut(text)
    if _HAS_ASCII_ALNUM.search(text) is None:
        if " " in text or "\n" in text or "\t" in text:
            return [t for t in toks if not t.isspace()]
        return toks
    out: list[str] = []
    run: list[str] = []
    for tok in toks:
        if tok.isascii() and tok and not tok.strip(_BLOCK_CHARS):  # made of block characters only
            run.append(tok)
            continue
        if run:
            out.extend(_LATIN.findall("".join(run)))
            run = []
        if not tok.isspace():
            out.append(tok)
    if run:
        out.extend(_LATIN.findall("".join(run)))
    return out
