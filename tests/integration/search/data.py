"""Analysed sample mentions for the search tests (built once per session) and random queries over them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from pipeline.config.settings import DEMO_LEXICON
from pipeline.search.sample_rows import analysed_rows
from pipeline.storage.tables import MENTION_COLUMNS
from pipeline.text import get_analyzer

END = datetime(2026, 6, 18, tzinfo=UTC)
DAYS = 14.0
N = 400


@lru_cache(maxsize=1)
def rows() -> tuple[tuple[Any, ...], ...]:
    """``N`` sample events through the worker's pure functions, as ``mentions`` rows."""
    analyzer = get_analyzer(DEMO_LEXICON)
    return tuple(r for block in analysed_rows(N, analyzer, seed=24, end=END, days=DAYS) for r in block)


def dicts() -> list[dict[str, Any]]:
    """The rows as column -> value."""
    return [dict(zip(MENTION_COLUMNS, r, strict=True)) for r in rows()]


def in_range(row: dict[str, Any], start: datetime | None, end: datetime | None) -> bool:
    """Whether ``created_at`` (naive UTC in the rows) is in [start, end)."""
    t = row["created_at"]
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t
    return (start is None or t >= start) and (end is None or t < end)


class QueryMaker:
    """Random queries whose leaves come from the data: frequent tokens, substrings, field values."""

    def __init__(self, seed: int) -> None:
        """Pools from :func:`dicts`."""
        self.rnd = random.Random(seed)
        data = dicts()
        counts: dict[str, int] = {}
        for d in data:
            for t in set(d["tokens"]):
                if len(t) >= 2:
                    counts[t] = counts.get(t, 0) + 1
        self.words = [t for t, _ in sorted(counts.items(), key=lambda kv: -kv[1])[:60] if '"' not in t]
        self.phrases = [d["own_text"][i : i + 3] for d in data[:80] for i in (0, 2) if len(d["own_text"]) > 5]
        self.phrases = [p for p in self.phrases if '"' not in p and p.strip() == p and p.strip()]
        self.fields = {
            "brand": sorted({b for d in data for b in d["brands"]}),
            "platform": sorted({d["platform"] for d in data}),
            "signal": sorted({s for d in data for s in d["signals"]}),
            "sentiment": sorted({d["sentiment"] for d in data}),
            "kind": sorted({d["kind"] for d in data}),
            "author": sorted({d["author_name"] for d in data if " " not in d["author_name"]})[:20],
        }

    def leaf(self) -> str:
        """A word, a phrase or a field filter."""
        pick = self.rnd.random()
        if pick < 0.35:
            return self.rnd.choice(self.words)
        if pick < 0.5:
            return f'"{self.rnd.choice(self.phrases)}"'
        field = self.rnd.choice(list(self.fields))
        value = self.rnd.choice(self.fields[field])
        return f'{field}:"{value}"'

    def expr(self, depth: int = 0) -> str:
        """A random boolean expression."""
        if depth >= 3 or self.rnd.random() < 0.3:
            return self.leaf()
        op = self.rnd.choice(["AND", "OR", "", "NOT"])
        if op == "NOT":
            return f"NOT {self.expr(depth + 1)}"
        return f"({self.expr(depth + 1)} {op} {self.expr(depth + 1)})".replace("  ", " ")

    def window(self) -> tuple[datetime | None, datetime | None]:
        """A 7-day window in the data's range, or none."""
        if self.rnd.random() < 0.25:
            return None, None
        start = END - timedelta(days=DAYS) + timedelta(hours=self.rnd.randrange(0, int(DAYS * 24) - 7 * 24))
        return start, start + timedelta(days=7)
