"""Multi-pattern phrase matching with one Aho-Corasick pass (pyahocorasick)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, NamedTuple, TypeVar

import ahocorasick

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
        self._size = len(table)
        self._automaton = ahocorasick.Automaton()
        for phrase, values in table.items():
            self._automaton.add_word(phrase, (phrase, tuple(values)))
        if table:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return self._size

    def find(self, text: str) -> list[Match[T]]:
        """All occurrences (overlapping ones included), ordered by end position."""
        if not self._size:
            return []
        return [
            Match(end + 1 - len(phrase), end + 1, phrase, values)
            for end, (phrase, values) in self._automaton.iter(text)
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
