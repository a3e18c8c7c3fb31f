"""The learned detectors: logistic-regression heads over :mod:`pipeline.text.features`.

Trained by ``tools/train_detectors.py`` (``make train``) and shipped as gzipped JSON linear
models (:class:`~pipeline.text.linear.LinearModel`) in ``data/models/``, one file per head:

=========== ===================================================== =========================
head        decides                                               features
=========== ===================================================== =========================
buyer       the writer bought / received / used it first-hand      text + rule signals
service     the writer needs the company to act or answer          text + rule signals
intent      the writer wants to buy, asks which or where           text + rule signals
opinion     the text states an opinion (else: neutral sentiment)   text
polarity    positive or negative, given an opinion                  text
=========== ===================================================== =========================

A head's score is ``bias + sum(weights of the text's features)``; its decision threshold (a
score, chosen by cross-validation on train or on the dev split, never on test) is
``meta["threshold"]`` of its file. A head whose file says ``meta["presence"] = true`` counts a
feature once per text however often it occurs (a long text does not weigh a word more); the
others count every occurrence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from operator import itemgetter
from pathlib import Path

import numpy as np

from pipeline.text.detectors import NOTHING, Decision
from pipeline.text.features import CHAR_SPAN, readable
from pipeline.text.linear import LinearModel, load_linear

MODELS_DIR = Path(__file__).resolve().parent / "data" / "models"
HEADS = ("buyer", "service", "intent", "opinion", "polarity")
BUYER, SERVICE, INTENT, OPINION, POLARITY = range(len(HEADS))
EVIDENCE_MIN = 0.2
"""Features weighing less than this are not named as evidence of a sentiment."""
Evidence = Callable[[int], list[str]]
"""Top features of the polarity head in a direction (1 for positive, -1 for negative)."""
_first = itemgetter(0)
_PAIR_SHIFT = 21


def pair_code(first: str, second: str) -> int:
    """The number of a character pair (a code point below 2**21 each) as :meth:`Scorer.batch` computes it."""
    return (ord(first) << _PAIR_SHIFT) | ord(second)


def sigmoid(z: float) -> float:
    """The logistic function, clipped to avoid overflow."""
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True, slots=True)
class Head:
    """One trained head: its linear model and the score at or above which it says yes."""

    model: LinearModel
    threshold: float
    rule_floor: float | None = None
    """A rule decision scoring at least this stands whatever the head says (the rule is precise there)."""
    presence: bool = False
    """A feature counts once per text (else each occurrence counts)."""

    def score(self, feats: Sequence[str]) -> float:
        """``bias + sum of the weights`` of the features (each occurrence, or each distinct one: :attr:`presence`)."""
        found = dict.fromkeys(feats) if self.presence else feats
        return self.model.bias + sum(filter(None, map(self.model.weights.get, found)))

    def rule_score(self, on: Sequence[str]) -> float:
        """What the rule features named in ``on`` add to the score."""
        get = self.model.weights.get
        return sum(get(f, 0.0) for f in on)

    def top(self, feats: Sequence[str], k: int = 3, sign: int = 1) -> list[str]:
        """The ``k`` features that pushed the score most in direction ``sign``, readable."""
        get = self.model.weights.get
        scored = [(w * sign, f) for f in feats if (w := get(f)) and w * sign > 0]
        return list(dict.fromkeys(readable(f) for _, f in sorted(scored, key=_first, reverse=True)[:k]))


def load_head(path: Path) -> Head | None:
    """The head stored in ``path`` (None when the file does not exist)."""
    if not path.exists():
        return None
    model = load_linear(path)
    floor = model.meta.get("rule_floor")
    threshold = float(model.meta.get("threshold", 0.0))
    return Head(model, threshold, None if floor is None else float(floor), bool(model.meta.get("presence", False)))


@dataclass(frozen=True, slots=True)
class Heads:
    """Every trained head; a missing file leaves that decision to the rules."""

    buyer: Head | None
    service: Head | None
    intent: Head | None
    opinion: Head | None
    polarity: Head | None


def load_heads(directory: Path = MODELS_DIR) -> Heads:
    """The heads in ``directory`` (``<head>.json.gz``)."""
    return Heads(*(load_head(directory / f"{name}.json.gz") for name in HEADS))


def head_tuple(heads: Heads) -> tuple[Head | None, ...]:
    """The heads in the order of :data:`HEADS`."""
    return (heads.buyer, heads.service, heads.intent, heads.opinion, heads.polarity)


class Scorer:
    """Every head's weights in one table, so that a whole batch is scored with a few numpy calls.

    Row ``j`` of the table belongs to ``HEADS[j]`` (zeros for a missing head), column ``i`` to
    feature ``names[i]`` (the last column, all zeros, to unknown features). Plain words are looked
    up without their prefix in a table of their own; character pairs are found and looked up in
    numpy (as numbers, :func:`pair_code`), for the whole batch at once. Per text the cost is one
    dictionary lookup per word and other feature; the rest runs in numpy.
    """

    def __init__(self, heads: Heads) -> None:
        present = [(j, h) for j, h in enumerate(head_tuple(heads)) if h is not None]
        vocab: dict[str, int] = {}
        for _, head in present:
            for f in head.model.weights:
                vocab.setdefault(f, len(vocab))
        self.names = [readable(f) for f in vocab]
        """Readable name of each feature (the evidence)."""
        self._unknown = len(vocab)
        self._words: dict[str, int] = {}
        self._other: dict[str, int] = {}
        pairs: dict[int, int] = {}
        for f, i in vocab.items():
            if f[:1] == "w":
                self._words[f[1:]] = i
            elif f[:1] == "c":
                if len(f) == 3:  # a longer or shorter "pair" never occurs in a text
                    pairs[pair_code(f[1], f[2])] = i
            else:
                self._other[f] = i
        keys = sorted(pairs)
        self._pair_keys = np.array(keys, dtype=np.int64)
        self._pair_rows = np.array([pairs[k] for k in keys], dtype=np.int64)
        self._columns = np.zeros((len(HEADS), len(vocab) + 1))
        """Per head (order of :data:`HEADS`), the weight of every feature."""
        self._bias = np.zeros(len(HEADS))
        self._presence = [j for j, head in present if head.presence]
        """The heads that count a feature once per text."""
        for j, head in present:
            for f, w in head.model.weights.items():
                self._columns[j, vocab[f]] = w
            self._bias[j] = head.model.bias

    def batch(self, texts: Sequence[str], words: Sequence[list[str]], other: Sequence[list[str]]) -> Batch:
        """The scores of every head for every text (``bias + sum of weights``).

        A repeated feature counts again, except for the heads that count presence: they sum each
        distinct (text, feature) once (one ``np.unique`` for the batch).

        Per text: its plain words (``w`` without prefix), its text (the character pairs of its first
        :data:`~pipeline.text.features.CHAR_SPAN` characters are found here, in numpy) and its other
        features, prefixed (:func:`~pipeline.text.features.word_and_other_parts`).
        """
        n = len(texts)
        kinds = (self._lookup(self._words, words), self._pairs(texts), self._lookup(self._other, other))
        index = np.concatenate([rows for rows, _ in kinds])
        text_of = np.concatenate([np.repeat(np.arange(n), lengths) for _, lengths in kinds])
        sums = np.empty((n, len(HEADS)))
        once, once_text = index, text_of
        if self._presence:
            _, first = np.unique(text_of * (self._unknown + 1) + index, return_index=True)
            once, once_text = index[first], text_of[first]
        for j, column in enumerate(self._columns):
            rows, owners = (once, once_text) if j in self._presence else (index, text_of)
            sums[:, j] = np.bincount(owners, weights=column[rows], minlength=n)
        sums += self._bias
        starts: list[list[int]] = []  # per kind, where each text's rows start in ``index``
        offset = 0
        for rows, lengths in kinds:
            starts.append((np.concatenate(([0], np.cumsum(lengths))) + offset).tolist())
            offset += len(rows)
        return Batch(sums, index, text_of, self, starts)

    def _lookup(self, table: dict[str, int], lists: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """The feature rows of every list in order (the unknown row for unknown features), and each list's length."""
        flat = list(chain.from_iterable(lists))
        index = np.fromiter(map(table.get, flat, repeat(self._unknown)), dtype=np.int64, count=len(flat))
        return index, np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))

    def _pairs(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The rows of the character pairs of every text in order, and each text's number of pairs."""
        spans = [t[:CHAR_SPAN] for t in texts]
        lengths = np.fromiter(map(len, spans), dtype=np.int64, count=len(spans))
        points = np.frombuffer("".join(spans).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        if len(points) < 2:
            return np.zeros(0, dtype=np.int64), np.zeros(len(spans), dtype=np.int64)
        points = points.astype(np.int64)
        codes = (points[:-1] << _PAIR_SHIFT) | points[1:]
        ends = np.cumsum(lengths)
        inside = np.ones(len(codes), dtype=bool)  # a pair whose characters are of the same text
        inside[ends[(lengths > 0) & (ends < len(points))] - 1] = False
        distinct, inverse = np.unique(codes[inside], return_inverse=True)  # sorted: a fast search
        keys = self._pair_keys
        if not len(keys):
            return np.full(len(inverse), self._unknown, dtype=np.int64), np.maximum(lengths - 1, 0)
        at = np.minimum(np.searchsorted(keys, distinct), len(keys) - 1)
        rows = np.where(keys[at] == distinct, self._pair_rows[at], self._unknown)
        return rows[inverse], np.maximum(lengths - 1, 0)

    def column(self, index: np.ndarray, column: int) -> np.ndarray:
        """The weights of the feature rows ``index`` in one head's column."""
        out: np.ndarray = self._columns[column][index]
        return out


class Batch:
    """The head scores of a batch of texts (:meth:`Scorer.batch`)."""

    __slots__ = ("scores", "_index", "_text_of", "_scorer", "_starts")

    def __init__(
        self, scores: np.ndarray, index: np.ndarray, text_of: np.ndarray, scorer: Scorer, starts: list[list[int]]
    ) -> None:
        self.scores: list[list[float]] = scores.tolist()
        """Per text, the score of every head (order of :data:`HEADS`)."""
        self._index = index
        self._text_of = text_of
        self._scorer = scorer
        self._starts = starts

    def top(self, text: int, head: Head, column: int, on: Sequence[str], k: int = 3) -> list[str]:
        """``head.top`` of the text's features (words, character pairs, the rest) and then the ``on`` features.

        The ``k`` features that pushed the head's score up most (ties: the first), readable. The
        text's feature rows are read from the batch: no feature string is built again.
        """
        index = self._index
        rows = np.concatenate([index[s[text] : s[text + 1]] for s in self._starts])
        weights = self._scorer.column(rows, column)
        keep = np.flatnonzero(weights > 0)
        names = self._scorer.names
        scored = list(zip(weights[keep].tolist(), [names[r] for r in rows[keep].tolist()], strict=True))
        get = head.model.weights.get
        scored.extend((w, readable(f)) for f in on if (w := get(f)) and w > 0)
        return list(dict.fromkeys(name for _, name in sorted(scored, key=_first, reverse=True)[:k]))

    def tops(self, head: str, signs: Sequence[int], k: int = 3) -> list[list[str]]:
        """Per text, the ``k`` features that pushed ``head`` most in the text's direction (sign 0: none).

        Only features weighing at least :data:`EVIDENCE_MIN` are named; one numpy sort serves
        the whole batch instead of one per text.
        """
        out: list[list[str]] = [[] for _ in self.scores]
        if not out or not len(self._index):
            return out
        text_of = self._text_of
        contrib = self._scorer.column(self._index, HEADS.index(head)) * np.asarray(signs, dtype=float)[text_of]
        keep = np.flatnonzero(contrib >= EVIDENCE_MIN)
        order = keep[np.lexsort((-contrib[keep], text_of[keep]))]
        names = self._scorer.names
        for t, row in zip(text_of[order].tolist(), self._index[order].tolist(), strict=True):
            found = out[t]
            if len(found) < k and names[row] not in found:
                found.append(names[row])
        return out


class Sentiment:
    """Three-class sentiment from the opinion and polarity heads.

    ``neutral`` when the opinion head's score is below its threshold (no opinion), else
    ``positive`` or ``negative`` by the polarity head. The score is ``2 * sigmoid(polarity) - 1``.
    """

    __slots__ = ("label", "score", "evidence")

    def __init__(self, label: str, score: float, evidence: list[str]) -> None:
        self.label = label
        self.score = score
        self.evidence = evidence


def decide_sentiment(opinion: Head, polarity: Head, scores: Sequence[float], evidence: Evidence) -> Sentiment:
    """The sentiment from the opinion and polarity scores (``scores`` in the order of :data:`HEADS`)."""
    z = scores[POLARITY]
    score = round(2.0 * sigmoid(z) - 1.0, 4)
    if scores[OPINION] < opinion.threshold:
        return Sentiment("neutral", score, [])
    if z >= polarity.threshold:
        return Sentiment("positive", score, evidence(1))
    return Sentiment("negative", score, evidence(-1))


def combine(rule: Decision, head: Head | None, score: float, evidence: Callable[[], list[str]]) -> Decision:
    """The final decision of a detector from its rule decision and its head's score.

    Without a head the rule decides. A rule decision scoring at least the head's ``rule_floor``
    stands (where the rule is precise, see ``tools/train_detectors.py``). Otherwise the head
    decides (the rule's verdict is one of its features); the evidence is the rule's cues when
    the rule agrees, else the features that weighed most for the head's yes.
    """
    if head is None:
        return rule
    if rule.value and head.rule_floor is not None and rule.score >= head.rule_floor:
        return rule
    if score < head.threshold:
        return NOTHING
    if rule.value:
        return rule._replace(score=round(score, 4))
    return Decision(True, round(score, 4), evidence())
