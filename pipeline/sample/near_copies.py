"""A labelled set for near-duplicate clustering: real posts, their edited copies, and distinct posts.

From the bundled corpus of real Weibo texts (``pipeline/data/corpus.jsonl.gz``): originals are
texts that share no run of :data:`SHARED_RUN` letters and digits with another; each
original gets copies edited by up to :data:`MAX_EDITS` characters (a substitution, insertion or
deletion of one of the corpus's common Chinese characters) with emoji and punctuation inserted; the rest of the stream
are distinct posts. The stream is shuffled, so a copy may arrive before its original.

:func:`pair_scores` scores a clustering on every pair of the stream (counted from the group/event
contingency table, linear in the stream): a pair is positive when both come from the same original.
"""

from __future__ import annotations

import gzip
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources

import orjson

from pipeline.text.simhash import MIN_CHARS, clean

MAX_EDITS = 3
SHARED_RUN = 10
"""Texts that share a run of this many letters and digits with an earlier text are left out (the corpus
holds some news in several rewrites: those are one event, not distinct posts)."""
ALPHABET = 500
"""Edits use the corpus's most frequent Chinese characters, this many of them."""
NOISE = "😀😂🔥👍❤️✨🙏💯😭🤔！？。，~…【】、：；“”—·《》"
"""Emoji and punctuation inserted into copies (they never change a fingerprint)."""


@dataclass(frozen=True, slots=True)
class Item:
    """One post of the labelled stream: ``group`` is its original's index (distinct posts: their own)."""

    post_id: str
    text: str
    group: int
    edits: int
    """Characters edited (0 for originals and distinct posts)."""


def corpus_texts(min_chars: int = 20) -> list[str]:
    """Texts of the bundled corpus with at least ``min_chars`` letters and digits, mutually distinct."""
    ref = resources.files("pipeline.data").joinpath("corpus.jsonl.gz")
    seen: set[str] = set()
    out: list[str] = []
    with ref.open("rb") as raw, gzip.open(raw) as lines:
        for line in lines:
            text = str(orjson.loads(line).get("text") or "")
            key = clean(text)
            windows = {key[i:i + SHARED_RUN] for i in range(len(key) - SHARED_RUN + 1)}
            if len(key) < max(min_chars, MIN_CHARS) or not windows.isdisjoint(seen):
                continue
            seen |= windows
            out.append(text)
    return out


def common_chars(texts: Sequence[str], size: int = ALPHABET) -> str:
    """The ``size`` most frequent Chinese characters of ``texts``."""
    counts = Counter(ch for text in texts for ch in text if "\u4e00" <= ch <= "\u9fff")
    return "".join(ch for ch, _ in counts.most_common(size))


def edit(text: str, edits: int, rng: random.Random, alphabet: str) -> str:
    """``text`` with ``edits`` characters of ``alphabet`` substituted, inserted or deleted, and 0-3 noise marks."""
    chars = list(text)
    for _ in range(edits):
        at = rng.randrange(len(chars))
        op = rng.choice("sid")
        if op == "s":
            chars[at] = rng.choice(alphabet)
        elif op == "i":
            chars.insert(at, rng.choice(alphabet))
        elif len(chars) > MIN_CHARS:
            del chars[at]
    for _ in range(rng.randint(0, 3)):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(NOISE))
    return "".join(chars)


def labelled_stream(texts: Sequence[str], *, originals: int, distinct: int, seed: int = 1) -> list[Item]:
    """``originals`` texts with 1-4 copies each (1-3 edits), plus ``distinct`` other texts, shuffled."""
    if originals + distinct > len(texts):
        raise ValueError(f"need {originals + distinct} texts, have {len(texts)}")
    rng = random.Random(seed)
    alphabet = common_chars(texts)
    chosen = rng.sample(list(texts), originals + distinct)
    items = [Item(f"p{g}", text, g, 0) for g, text in enumerate(chosen)]
    for g, text in enumerate(chosen[:originals]):
        for c in range(rng.randint(1, 4)):
            n = rng.randint(1, MAX_EDITS)
            items.append(Item(f"p{g}c{c}", edit(text, n, rng, alphabet), g, n))
    rng.shuffle(items)
    return items


@dataclass(frozen=True, slots=True)
class PairScores:
    """Pair precision and recall of a clustering against the labels."""

    precision: float
    recall: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int


def _pairs(counts: Iterator[int]) -> int:
    return sum(c * (c - 1) // 2 for c in counts)


def pair_scores(items: Sequence[Item], events: Sequence[str]) -> PairScores:
    """Score ``events`` (one event id per item) on all pairs of items, in linear time."""
    true_pairs = _pairs(iter(Counter(i.group for i in items).values()))
    predicted = _pairs(iter(Counter(events).values()))
    correct = _pairs(iter(Counter(zip((i.group for i in items), events, strict=True)).values()))
    return PairScores(precision=correct / predicted if predicted else 1.0,
                      recall=correct / true_pairs if true_pairs else 1.0,
                      true_pairs=true_pairs, predicted_pairs=predicted, correct_pairs=correct)
