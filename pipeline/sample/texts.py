"""Drawing texts: shuffled decks, light variation on reuse, titles and links."""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

_SUFFIXES = (
    "[哈哈]", "[赞]", "[good]", "[泪]", "[怒]", "[doge]", "[吃惊]", "[汗]", "！", "!!", "～", "。。。",
    "?", " 真的", " 哈哈", "…", "[心]", " +1", "[偷笑]", "[抓狂]",
)  # fmt: skip
N_VARIANTS = len(_SUFFIXES)
_URL = re.compile(r"https?://[A-Za-z0-9./?=&_%#:+~\-]+")
_CLAUSE = re.compile(r"[。！？!?\n；;，,…]")


class Deck(Generic[T]):
    """Draws items without replacement in a seeded shuffled order; reshuffles when used up.

    ``draw`` returns the item and a variant number: 0 on the first pass through the deck, so the
    item can keep its real id and text; from the second pass on, a number that picks a light
    variation of the text (see :func:`vary`) and tells the caller to invent a new id.
    """

    __slots__ = ("_items", "_rng", "_order", "_pos", "cycle")

    def __init__(self, items: Sequence[T], rng: random.Random) -> None:
        if not items:
            raise ValueError("a deck needs at least one item")
        self._items = items
        self._rng = rng
        self._order: list[int] = []
        self._pos = 0
        self.cycle = -1

    def __len__(self) -> int:
        return len(self._items)

    def draw(self) -> tuple[T, int]:
        """The next item and its variant number (0 on the first pass)."""
        pos = self._pos
        if pos >= len(self._order):
            self._order = list(range(len(self._items)))
            self._rng.shuffle(self._order)
            pos = 0
            self.cycle += 1
        index = self._order[pos]
        self._pos = pos + 1
        cycle = self.cycle
        return self._items[index], (1 + (index + cycle) % N_VARIANTS if cycle else 0)


def variant_of(text_hash: int, cycle: int) -> int:
    """The variant number of a text on a pass (0 on the first), the same for identical texts."""
    return 1 + (text_hash + cycle) % N_VARIANTS if cycle > 0 else 0


def text_hash(text: str) -> int:
    """A stable hash of a text (CRC-32 of its UTF-8)."""
    return zlib.crc32(text.encode())


def vary(text: str, variant: int) -> str:
    """The text for a variant: unchanged for 0, else with a small suffix (an emoticon, punctuation)."""
    if not variant or not text:
        return text
    return text + _SUFFIXES[variant - 1]


def title_of(text: str, limit: int = 24) -> str:
    """A title for a forum thread or note: the first clause of the text, at most ``limit`` chars."""
    head = _CLAUSE.split(text.strip(), maxsplit=1)[0].strip() or text.strip()
    return head[:limit]


def urls_in(text: str) -> list[str]:
    """The http(s) links in a text (as many as the schema allows)."""
    if "http" not in text:
        return []
    return [u for u in _URL.findall(text) if len(u) > len("http://") + 1][:50]
