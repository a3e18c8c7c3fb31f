"""Features of the learned detectors (:mod:`pipeline.text.learned`).

Every feature is a string with a one-character kind in front, so that a word, a character
pair and a cue never share a weight:

* ``w<word>``: the segmenter's word tokens (punctuation and blanks dropped); a word
  within two words after a negator in the same clause is ``n<word>`` instead (不好吃: ``n好吃``);
* ``h<word>`` / ``t<word>``: the first two words of the first clause and the last word of the
  text (where a customer puts 请问, 亲 or the question particle 吗);
* ``z<word>``: the words of the last clause (the conclusion, which decides a mixed text);
* ``c<xy>``: character pairs of the first :data:`CHAR_SPAN` characters (they generalise over
  segmentation errors and unseen compounds: 没送, 少了, 发票);
* ``q<detector>.<group>``: a cue of the rule detectors (``data/cues_*.yaml``), with ``-``
  appended when the clause adjustments neutralised or negated it;
* ``m<marker>``: a marker group (question, second person, news, seller, ...);
* ``l<bucket>``: the length of the text in characters (:data:`LENGTH_BUCKETS`);
* ``e<emoticon>``: the platform emoticons and emoji (``e[怒]``, ``e😡``);
* ``r<name>``: the rule detectors' own decisions and signals, added by the analyzer
  (:func:`rule_features`), so the model learns how far to trust each rule.

A feature counts as often as it occurs (a character pair seen twice adds its weight twice).

For speed, :func:`feature_parts` keeps the plain words and character pairs without their
prefix (the scorer looks them up in tables of their own, and a token's hash is already
cached by the segmenter's other users); :func:`flatten` gives the prefixed list for training.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from pipeline.text.cues import Scan
from pipeline.text.sentiment import negated_positions

CHAR_SPAN = 100
"""Characters of a text whose character pairs are features (longer texts: the rest adds words only)."""
LENGTH_BUCKETS = (8, 20, 60, 150)
WORD_SPAN = 256
"""Tokens of a text that give word features."""
HEAD_WORDS = 2
BOUNDARY = frozenset(",.!?;:，。！？；：~…、\n()（）【】[]《》<>\"'“”‘’ \t")
_SKIP = BOUNDARY | frozenset("-_/\\|*#@&%+=`^$") | frozenset(["  ", "   ", "\r\n", "\u3000", "\xa0"])


class Parts(NamedTuple):
    """A text's features by kind: plain words (``w``), character pairs (``c``) and the rest, prefixed."""

    words: list[str]
    chars: list[str]
    other: list[str]


def word_parts(tokens: Sequence[str], negators: frozenset[str]) -> tuple[list[str], list[str]]:
    """The plain words (``w`` without prefix) and the prefixed ``n``, ``h``, ``t`` and ``z`` features.

    Only the first :data:`WORD_SPAN` tokens give word features (a long text costs no more).
    """
    tokens = tokens[:WORD_SPAN]
    skip = _SKIP
    other: list[str] = []
    if negators.isdisjoint(tokens):
        words = [t for t in tokens if t not in skip]
    else:
        marked = set(negated_positions(tokens))
        words = []
        for i, t in enumerate(tokens):
            if t not in skip:
                if i in marked:
                    other.append("n" + t)
                else:
                    words.append(t)
    head = 0
    for tok in tokens:
        if tok in BOUNDARY and head:
            break
        if tok in skip:
            continue
        other.append("h" + tok)
        head += 1
        if head == HEAD_WORDS:
            break
    last = next((t for t in reversed(tokens) if t not in skip), None)
    if last is not None:
        other.append("t" + last)
    other.extend(tail_words(tokens))
    return words, other


def tail_words(tokens: Sequence[str]) -> list[str]:
    """``z`` features: the words of the last clause, last first (trailing punctuation skipped)."""
    tail: list[str] = []
    for tok in reversed(tokens):
        if tok in BOUNDARY:
            if tail:
                break
        elif tok not in _SKIP:
            tail.append("z" + tok)
    return tail


def char_pairs(text: str) -> list[str]:
    """The character pairs (``c`` without prefix) of the first :data:`CHAR_SPAN` characters."""
    s = text[:CHAR_SPAN]
    return [s[i : i + 2] for i in range(len(s) - 1)]


def cue_features(scan: Scan) -> list[str]:
    """``q`` features of the cue hits and ``m`` features of the markers."""
    out = [h.group.feature if h.weight > 0 else h.group.feature + "-" for hits in scan.hits.values() for h in hits]
    out.extend("m" + name for name in scan.counts)
    return out


def length_feature(n: int) -> str:
    """``l`` feature of a text of ``n`` characters."""
    for i, bound in enumerate(LENGTH_BUCKETS):
        if n <= bound:
            return f"l{i}"
    return f"l{len(LENGTH_BUCKETS)}"


def word_and_other_parts(
    text: str, tokens: Sequence[str], scan: Scan, negators: frozenset[str], emoticons: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """The plain words and the other (prefixed) features of :func:`feature_parts`: all but the character pairs.

    The scorer finds a batch's character pairs itself, from the texts (:meth:`pipeline.text.learned.Scorer.batch`).
    """
    words, other = word_parts(tokens, negators)
    other.extend(cue_features(scan))
    other.append(length_feature(len(text)))
    other.extend("e" + e for e in emoticons)
    return words, other


def feature_parts(
    text: str, tokens: Sequence[str], scan: Scan, negators: frozenset[str], emoticons: Sequence[str] = ()
) -> Parts:
    """Every feature of a text that does not depend on the rule decisions, by kind (repeats kept)."""
    words, other = word_and_other_parts(text, tokens, scan, negators, emoticons)
    return Parts(words, char_pairs(text), other)


def flatten(parts: Parts) -> list[str]:
    """The prefixed feature list of :func:`feature_parts` (as training sees it)."""
    return ["w" + w for w in parts.words] + ["c" + c for c in parts.chars] + parts.other


def text_features(
    text: str, tokens: Sequence[str], scan: Scan, negators: frozenset[str], emoticons: Sequence[str] = ()
) -> list[str]:
    """``flatten(feature_parts(...))``."""
    return flatten(feature_parts(text, tokens, scan, negators, emoticons))


RULE_SIGNALS = ("buyer", "service", "intent", "news", "customer", "review", "angry")
"""The rule signals the analyzer gives the detector heads, in the order of their ``r`` features."""


def rule_features(**signals: bool) -> list[str]:
    """``r`` features: the name of every rule signal that is on (``rule_features(buyer=True)``)."""
    return ["r" + name for name, on in signals.items() if on]


_KIND_NAMES = {"r": "rule:", "m": "marker:", "l": "length:"}


def readable(feature: str) -> str:
    """A feature as evidence: the word, characters, cue or emoticon without the kind prefix.

    Negated words read ``不…<word>``; rule signals, markers and length buckets are named as such
    (``rule:review``, ``marker:question``, ``length:l0``).
    """
    kind, rest = feature[:1], feature[1:]
    if kind == "q":
        return rest.split(".", 1)[-1].rstrip("-")
    if kind == "n":
        return "不…" + rest
    if kind in "whtcez":
        return rest
    return _KIND_NAMES.get(kind, "") + rest
