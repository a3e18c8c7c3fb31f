"""Cue lists of the rule detectors, matched in one Aho-Corasick pass per text.

Each detector (``buyer``, ``service``, ``intent``) has a YAML file ``data/cues_<detector>.yaml``
with weighted groups of phrases; ``data/cues_markers.yaml`` holds the shared marker lists
(negators, first/third person, news style, questions, second person, seller voice).
:class:`CueBook` loads them all into one automaton; :meth:`CueBook.scan` returns, per
detector, the leftmost-longest non-overlapping hits with two clause-level adjustments:

* ``negatable`` groups: a negator (不, 没, 没有, 未, 别, 无...) among the three characters
  before the cue, in the same clause, sets the weight to the group's ``negated_weight``
  (没有色差, 一点都不慢) unless a cancel phrase (没想到, 没几天...) explains the negator;
* ``first_person`` groups: a cue whose clause names a third person before it (他, 她, 网友,
  有人...) and no first person (我, 俺, 本人...) gets weight 0 (她买了28套房子).

Group fields: ``name``, ``weight`` (float), ``terms`` (list), optional ``category``,
``negatable`` (bool), ``negated_weight`` (float, default 0), ``first_person`` (bool),
``implies_purchase`` (bool: a problem report of this group shows the writer received an order),
``weak`` (bool: the group counts only next to a hit of a non-weak group of the same detector).
A term may contain brace alternatives: ``{送,配送}{太,很,超}慢`` stands for the six phrases
送太慢, 送很慢, ..., 配送超慢 (an empty alternative is allowed: ``{,很}慢``). A term ending
in ``$`` only matches at the end of a clause (``么$`` is the question particle, not the 么
of 那么; ``还没到$`` is an order not arrived, not 还没到季节).
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import ahocorasick_rs
import yaml

from pipeline.text.normalize import normalize_term

CUES_DIR = Path(__file__).resolve().parent / "data"
DETECTORS = ("buyer", "service", "intent")
MARKERS = "markers"

_CLAUSE_END = frozenset(",.!?;:，。！？；：~…\n 、()（）[]【】\"'“”")
_NEGATION_REACH = 3
_SUBJECT_REACH = 30  # a clause's subject is looked for at most this far back
MAX_HITS = 200
"""Hits weighed per detector and text: later ones are dropped (counted in :attr:`Scan.dropped`), so a text
stuffed with cues costs no more than this many; a real post has a handful."""


@dataclass(frozen=True, slots=True)
class Group:
    """One weighted group of cue phrases."""

    detector: str
    name: str
    weight: float
    category: str | None = None
    negatable: bool = False
    negated_weight: float = 0.0
    first_person: bool = False
    implies_purchase: bool = False
    weak: bool = False
    feature: str = field(init=False, repr=False, compare=False)
    """The learned heads' feature of a hit of this group (``q<detector>.<name>``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "feature", f"q{self.detector}.{self.name}")


class Hit:
    """One cue found in a text, with its weight after the clause adjustments."""

    __slots__ = ("group", "phrase", "start", "end", "weight", "first_person")

    def __init__(
        self, group: Group, phrase: str, start: int, end: int, weight: float, first_person: bool = False
    ) -> None:
        self.group = group
        self.phrase = phrase
        self.start = start
        self.end = end
        self.weight = weight
        self.first_person = first_person

    @property
    def counted(self) -> bool:
        """Whether the hit still contributes (weight not neutralised)."""
        return self.weight != 0

    def __repr__(self) -> str:
        return f"Hit({self.group.detector}.{self.group.name}, {self.phrase!r}, {self.weight})"


class Scan:
    """Hits of one text per detector, and how often each marker group occurs."""

    __slots__ = ("hits", "counts", "dropped")

    def __init__(self) -> None:
        self.hits: dict[str, list[Hit]] = {}
        self.counts: dict[str, int] = {}
        self.dropped = 0
        """Cue hits beyond :data:`MAX_HITS` of a detector, left out."""

    def marker(self, name: str) -> int:
        """How many times a marker group occurs."""
        return self.counts.get(name, 0)

    def has(self, detector: str, group: str) -> bool:
        """Whether a counted hit of ``group`` exists for ``detector``."""
        return any(h.group.name == group and h.counted for h in self.hits.get(detector, ()))


_BRACES = re.compile(r"\{([^{}]*)\}")


def expand(term: str) -> list[str]:
    """All phrases a term with ``{a,b}`` alternatives stands for (the term itself if none)."""
    parts = _BRACES.split(term)
    if len(parts) == 1:
        return [term]
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return ["".join(c) for c in itertools.product(*choices)]


def _load(path: Path, detector: str) -> list[tuple[Group, list[str]]]:
    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: list[tuple[Group, list[str]]] = []
    for spec in raw.get("groups", []):
        group = Group(
            detector=detector,
            name=str(spec["name"]),
            weight=float(spec.get("weight", 1.0)),
            category=spec.get("category"),
            negatable=bool(spec.get("negatable", False)),
            negated_weight=float(spec.get("negated_weight", 0.0)),
            first_person=bool(spec.get("first_person", False)),
            implies_purchase=bool(spec.get("implies_purchase", False)),
            weak=bool(spec.get("weak", False)),
        )
        terms = [normalize_term(x) for t in spec.get("terms", []) for x in expand(str(t))]
        out.append((group, [t for t in terms if t and t != "$"]))
    return out


@lru_cache(maxsize=1)
def settings() -> dict[str, dict[str, Any]]:
    """Non-list settings of each cue file (thresholds and the like), per detector."""
    out: dict[str, dict[str, Any]] = {}
    for name in DETECTORS:
        raw = yaml.safe_load((CUES_DIR / f"cues_{name}.yaml").read_text(encoding="utf-8")) or {}
        out[name] = {k: v for k, v in raw.items() if k != "groups"}
    return out


_POSITIONAL = frozenset({"negator", "negation_cancel", "first_person", "third_person", "not_person"})
Span = tuple[str, int, int]
_Match = tuple[int, int, str, Group]  # start, end, phrase and group of one cue match
_Entry = tuple[str, tuple[tuple[str, bool], ...], tuple[tuple[Group, bool], ...], bool]
"""A phrase of the main automaton: the phrase, its (marker, final) pairs, its (group, final) pairs, any final."""


class CueBook:
    """Every cue phrase of every detector plus the marker lists, in two automata.

    The main automaton holds the detector cues and the counted markers; the positional one
    (negators, persons) runs only for texts with a cue that needs the clause adjustments.
    """

    def __init__(self, cues_dir: Path = CUES_DIR) -> None:
        table: dict[str, list[tuple[Group, bool]]] = {}
        positional: dict[str, list[str]] = {}
        for detector in (*DETECTORS, MARKERS):
            for group, terms in _load(cues_dir / f"cues_{detector}.yaml", detector):
                for t in terms:
                    if group.detector == MARKERS and group.name in _POSITIONAL:
                        positional.setdefault(t, []).append(group.name)
                        continue
                    final = t.endswith("$")
                    table.setdefault(t[:-1] if final else t, []).append((group, final))
        self._phrases = list(table)
        self._entries = [_entry(phrase, entries) for phrase, entries in table.items()]
        self._main = ahocorasick_rs.AhoCorasick(self._phrases)
        self._positional_names = [tuple(names) for names in positional.values()]
        self._positional = ahocorasick_rs.AhoCorasick(list(positional))

    def scan(self, text: str) -> Scan:
        """Hits per detector (leftmost-longest within each detector) and marker counts."""
        scan = Scan()
        if not text:
            return scan
        raw, adjust = self._match(text, scan.counts)
        if not raw:
            return scan
        negators = _Spans([])
        persons = _Spans([])
        if adjust:
            negators, persons = self._positional_spans(text)
        for detector, found in raw.items():
            if len(found) > 1:
                found = _leftmost_longest(found)
            if len(found) > MAX_HITS:
                scan.dropped += len(found) - MAX_HITS
                found = found[:MAX_HITS]
            scan.hits[detector] = [_hit(text, match, negators, persons) for match in found]
        return scan

    def _match(self, text: str, counts: dict[str, int]) -> tuple[dict[str, list[_Match]], bool]:
        """Count the markers of ``text`` into ``counts`` and collect its cue matches per detector.

        A phrase that was listed with a final ``$`` counts only at the end of a clause. The
        flag returned says whether a match needs the clause adjustments (its group is
        negatable or first-person).
        """
        n = len(text)
        raw: dict[str, list[_Match]] = {}
        adjust = False
        entries = self._entries
        for i, start, end in self._main.find_matches_as_indexes(text, overlapping=True):
            phrase, markers, groups, any_final = entries[i]
            at_end = (end >= n or text[end] in _CLAUSE_END) if any_final else True
            for name, final in markers:
                if at_end or not final:
                    counts[name] = counts.get(name, 0) + 1
            for g, final in groups:
                if at_end or not final:
                    raw.setdefault(g.detector, []).append((start, end, phrase, g))
                    adjust = adjust or g.negatable or g.first_person
        return raw, adjust

    def _positional_spans(self, text: str) -> tuple[_Spans, _Spans]:
        """The negator (and cancel phrase) spans and the person spans of ``text``."""
        table = self._positional_names
        spans = [
            (name, start, end)
            for i, start, end in self._positional.find_matches_as_indexes(text, overlapping=True)
            for name in table[i]
        ]
        negators = _Spans([sp for sp in spans if sp[0] in ("negator", "negation_cancel")])
        persons = _Spans(_persons(spans))
        return negators, persons


def _entry(phrase: str, entries: list[tuple[Group, bool]]) -> _Entry:
    """What a match of ``phrase`` means: its markers, its first group per detector, whether any is clause-final."""
    markers = tuple((g.name, final) for g, final in entries if g.detector == MARKERS)
    first: dict[str, tuple[Group, bool]] = {}
    for g, final in entries:
        if g.detector != MARKERS:
            first.setdefault(g.detector, (g, final))
    return phrase, markers, tuple(first.values()), any(final for _, final in entries)


def _hit(text: str, match: _Match, negators: _Spans, persons: _Spans) -> Hit:
    """The hit of one cue match, with the clause adjustments of its group applied.

    A negated cue of a ``negatable`` group takes the group's ``negated_weight``; a cue of a
    ``first_person`` group that still counts gets weight 0 when its clause names a third
    person and no first person before it.
    """
    start, end, phrase, g = match
    weight = g.weight
    first = False
    if g.negatable and negators and _negated(text, start, negators):
        weight = g.negated_weight
    if g.first_person and persons and weight > 0:
        third, first = _subjects(text, start, persons)
        if third and not first:
            weight = 0.0
    return Hit(g, phrase, start, end, weight, first)


class _Spans:
    """Marker spans sorted by start, with a range query (bisect) for long texts."""

    __slots__ = ("spans", "starts")

    def __init__(self, spans: list[Span]) -> None:
        self.spans = sorted(spans, key=lambda sp: sp[1])
        self.starts = [sp[1] for sp in self.spans]

    def __bool__(self) -> bool:
        return bool(self.spans)

    def between(self, lo: int, hi: int) -> list[Span]:
        """Spans starting in ``[lo, hi)``."""
        return self.spans[bisect_left(self.starts, lo) : bisect_left(self.starts, hi)]


def _leftmost_longest(found: list[_Match]) -> list[_Match]:
    out: list[_Match] = []
    last_end = -1
    for item in sorted(found, key=lambda f: (f[0], f[0] - f[1])):
        if item[0] >= last_end:
            out.append(item)
            last_end = item[1]
    return out


def _persons(spans: list[Span]) -> list[Span]:
    """The person spans not inside a ``not_person`` span (其他, 吉他); O(n log n) in the spans."""
    blockers = sorted((s, e) for name, s, e in spans if name == "not_person")
    starts = [s for s, _ in blockers]
    reach: list[int] = []  # reach[i]: the furthest end among blockers[: i + 1]
    for _, e in blockers:
        reach.append(max(e, reach[-1]) if reach else e)
    out: list[Span] = []
    for sp in spans:
        if sp[0] not in ("first_person", "third_person"):
            continue
        i = bisect_right(starts, sp[1]) - 1  # the blockers starting at or before the span
        if i < 0 or reach[i] < sp[2]:
            out.append(sp)
    return out


def _clause_start(text: str, pos: int, reach: int) -> int:
    """Start of the clause containing ``pos``, looking back at most ``reach`` characters."""
    i = pos - 1
    stop = max(-1, pos - 1 - reach)
    while i > stop and text[i] not in _CLAUSE_END:
        i -= 1
    return i + 1


def _negated(text: str, pos: int, negators: _Spans) -> bool:
    """A negator in the same clause within reach before ``pos``, not part of a cancel phrase."""
    lo = _clause_start(text, pos, _NEGATION_REACH)
    found = [s for name, s, e in negators.between(lo, pos) if name == "negator" and e <= pos]
    if not found:
        return False
    cancels = [(s, e) for name, s, e in negators.between(lo - 8, pos + 1) if name == "negation_cancel"]
    return any(not any(s <= p < e for s, e in cancels) for p in found)


def _subjects(text: str, pos: int, persons: _Spans) -> tuple[bool, bool]:
    """Whether the clause names a third person, and the first person, before ``pos``."""
    lo = _clause_start(text, pos, _SUBJECT_REACH)
    third = first = False
    for name, _, e in persons.between(lo, pos):
        if e <= pos:
            third = third or name == "third_person"
            first = first or name == "first_person"
    return third, first
