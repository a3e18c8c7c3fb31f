"""Where texts come from: named, shuffled decks over the corpus, and weighted choices between them."""

from __future__ import annotations

import random
from bisect import bisect_right
from typing import Any

from pipeline.sample.corpus import OWN_BRAND, WAIMAI, Corpus
from pipeline.sample.texts import Deck, vary

LIFESTYLE = ("衣服", "洗发水", "水果", "酒店", "手机", "平板")
"""Review categories that read like Xiaohongshu notes."""


class Choice:
    """A weighted choice among names, made from one uniform number."""

    __slots__ = ("names", "cum")

    def __init__(self, options: tuple[tuple[str, float], ...]) -> None:
        total = sum(share for _, share in options)
        self.names = tuple(name for name, _ in options)
        cum, acc = [], 0.0
        for _, share in options[:-1]:
            acc += share / total
            cum.append(acc)
        self.cum = tuple(cum)
        """Cumulative shares (the last one left out): ``names[bisect_right(cum, u)]`` is the choice."""

    def __call__(self, u: float) -> str:
        """The name for the uniform number ``u`` in [0, 1)."""
        return self.names[bisect_right(self.cum, u)]


class Sources:
    """The decks of one stream, created on first use.

    Deck names: ``ced`` (Weibo posts), ``ced_long``, ``cascades``, ``reactions``, ``service_first``,
    ``service_other``, ``long`` (long reviews), ``products``, ``lifestyle``, ``short``, or a
    review category (``外卖``, ``蒙牛``, ``手机`` ...).
    """

    def __init__(self, corpus: Corpus, rng: random.Random) -> None:
        self.corpus = corpus
        self._rng = rng
        self.decks: dict[str, Deck[Any]] = {}
        """Decks created so far, by name (read-only for callers; use :meth:`deck`)."""

    def deck(self, name: str) -> Deck[Any]:
        """The deck of a source."""
        deck = self.decks.get(name)
        if deck is None:
            deck = self.decks[name] = Deck(self._items(name), self._rng)
        return deck

    def draw(self, name: str) -> tuple[Any, int]:
        """The next item of a source and its variant number (0 on the deck's first pass)."""
        deck = self.decks.get(name)
        if deck is None:
            deck = self.deck(name)
        return deck.draw()

    def text(self, name: str) -> str:
        """The next text of a source (varied when the deck is on a later pass)."""
        deck = self.decks.get(name)
        if deck is None:
            deck = self.deck(name)
        item, variant = deck.draw()
        text: str = item if isinstance(item, str) else item.text
        return vary(text, variant) if variant else text

    def _items(self, name: str) -> Any:
        c = self.corpus
        if name == "ced":
            return c.posts
        if name == "ced_long":
            return [p for p in c.posts if len(p.text) >= 80]
        if name == "cascades":
            return c.cascades
        if name in ("reactions", "service_first", "service_other"):
            return getattr(c, name)
        if name == "long":
            return c.long_reviews
        if name == "products":
            return [r for cat, g in c.reviews.items() if cat not in (WAIMAI, OWN_BRAND) for r in g]
        if name == "lifestyle":
            return [r for cat in LIFESTYLE for r in c.reviews.get(cat, ())]
        if name == "short":
            return [r for cat, g in c.reviews.items() if cat != OWN_BRAND for r in g if len(r.text) <= 60]
        return c.reviews[name]
