"""Multi-pattern phrase matching with one Aho-Corasick pass (ahocorasick-rs: the Rust ``aho-corasick`` crate)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, NamedTuple, TypeVar

import ahocorasick_rs

T = TypeVar("T")


class Match(NamedTuple, Generic[T]):
    """One occurrence of a phrase: ``text[start:end] == phrase``."""

    start: int
    end: int
    phrase: str
    values: tuple[T, ...]


class PhraseMatcher(Generic[T]):
    """Finds every occurrence of many phrases in one pass; each phrase carries one or more values."""

    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        table: dict[str, list[T]] = {}
        for phrase, value in entries:
            if phrase:
                table.setdefault(phrase, []).append(value)
        self._phrases = list(table)
        self._values = [tuple(values) for values in table.values()]
        self._automaton = ahocorasick_rs.AhoCorasick(self._phrases) if table else None

    def __len__(self) -> int:
        return len(self._phrases)

    def find(self, text: str) -> list[Match[T]]:
        """All occurrences (overlapping ones included), ordered by end position (the longest first)."""
        if self._automaton is None:
            return []
        phrases, values = self._phrases, self._values
        return [
            Match(start, end, phrases[i], values[i])
            for i, start, end in self._automaton.find_matches_as_indexes(text, overlapping=True)
        ]

    def longest(self, text: str) -> list[Match[T]]:
        """Leftmost-longest non-overlapping occurrences, ordered by start position."""
        return longest_non_overlapping(self.find(text))


def longest_non_overlapping(matches: list[Match[T]]) -> list[Match[T]]:
    """Keep, from left to right, the longest match at each position that overlaps no kept one."""
    out: list[Match[T]] = []
    last_end = -1
    for m in sorted(matches, key=lambda m: (m.start, -(m.end - m.start))):
        if m.start >= last_end:
            out.append(m)
            last_end = m.end
    return out
