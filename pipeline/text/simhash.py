"""64-bit SimHash fingerprints of texts, computed for a whole batch at once (numpy, linear time).

What is hashed: the text lower-cased with everything but letters and digits removed (punctuation,
emoji, whitespace and ``_`` never count, so inserting them changes nothing; characters beyond the
Basic Multilingual Plane are dropped with the emoji), then its characters
and character bigrams as features (for Chinese, a character is about a word piece: bigrams keep
the word order, single characters keep one edited character from disturbing more than a few
features). Each feature's 64-bit hash (splitmix64 of its code points, stable across processes and
releases) votes +1/-1 on each bit; the fingerprint's bit is set where the votes are positive.

Besides the fingerprint, each text gets a few *anchors*: the smallest hashes of its character
trigrams (a bottom-k sketch, as in MinHash). Two texts that share most trigrams very likely share
an anchor, which is how :mod:`pipeline.monitor.event_index` finds copies edited further than the
Hamming radius its bands guarantee.

Texts shorter than :data:`MIN_CHARS` letters and digits get fingerprint 0 and no anchors: they are
not compared (转发微博, 赞, a lone emoji).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MIN_CHARS = 8
"""Texts with fewer letters and digits are not fingerprinted (as in :mod:`pipeline.text.fingerprint`)."""
ANCHORS = 4
"""Anchors per text: the smallest trigram hashes."""
MAX_CHARS = 500
"""Only the first characters are fingerprinted (the analysed part of a text is no longer)."""
CHUNK = 16_384
"""Texts per vectorised pass (the anchors' sort key holds the text's number in 16 bits)."""

_SEP = "\x00"
_KEPT = np.array([chr(c).isalnum() for c in range(0x10000)], dtype=bool)
"""Letters and digits of the Basic Multilingual Plane (emoji, punctuation, spaces, ``_`` are not)."""
_KEPT[0] = True  # the separator between the texts of a batch
_U64 = np.uint64
_M1 = _U64(0xBF58476D1CE4E5B9)
_M2 = _U64(0x94D049BB133111EB)
_GOLDEN = _U64(0x9E3779B97F4A7C15)
_SHIFT_BIGRAM = _U64(21)
_TAG_BIGRAM = _U64(1 << 42)
_TAG_TRIGRAM = _U64(1 << 63)
_NIBBLE_LANES = np.array([sum(((v >> k) & 1) << (16 * k) for k in range(4)) for v in range(16)], dtype=np.uint64)
"""Nibble value v -> its four bits as four 16-bit counters (lowest bit in the lowest lane)."""


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A text's SimHash and anchors (0 and () when the text is too short to compare)."""

    simhash: int
    anchors: tuple[int, ...]


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser, elementwise (wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        z = x * _GOLDEN
        z = (z ^ (z >> _U64(30))) * _M1
        z = (z ^ (z >> _U64(27))) * _M2
        return z ^ (z >> _U64(31))


def clean(text: str) -> str:
    """The characters that count: lower-cased letters and digits (BMP) of the first :data:`MAX_CHARS`."""
    return "".join(ch for ch in text[:MAX_CHARS].lower() if ch.isalnum() and ord(ch) < 0x10000)


def fingerprints(texts: Sequence[str]) -> list[Fingerprint]:
    """SimHash and anchors of each text, in one vectorised pass over the batch (chunks of :data:`CHUNK` texts)."""
    if len(texts) > CHUNK:
        return [fp for at in range(0, len(texts), CHUNK) for fp in fingerprints(texts[at:at + CHUNK])]
    if not texts:
        return []
    joined = _SEP.join(t[:MAX_CHARS].replace(_SEP, "") for t in texts).lower()
    raw = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    cps = raw[_KEPT[np.minimum(raw, 0xFFFF)]].astype(np.uint64)  # U+FFFF is not kept: nor is any emoji above
    seps = np.flatnonzero(cps == 0)
    starts = np.concatenate(([0], seps + 1))
    ends = np.concatenate((seps, [len(cps)]))
    lengths = ends - starts
    text_of = np.repeat(np.arange(len(texts)), lengths + 1)[: len(cps)]  # the separator goes with the text before
    keep = cps != 0
    feats, owners = [cps[keep]], [text_of[keep]]
    if len(cps) >= 2:
        ok2 = keep[:-1] & keep[1:]
        feats.append(((cps[:-1] << _SHIFT_BIGRAM) | cps[1:] | _TAG_BIGRAM)[ok2])
        owners.append(text_of[:-1][ok2])
    votes = np.zeros((len(texts), 64), dtype=np.uint64)
    counts = np.zeros(len(texts), dtype=np.uint64)
    for feat, owner in zip(feats, owners, strict=True):
        votes += _bit_votes(_mix(feat), owner, len(texts))
        counts += np.bincount(owner, minlength=len(texts)).astype(np.uint64)
    bits = votes * 2 > counts[:, None]  # ties (an even split) leave the bit unset
    packed = np.packbits(bits, axis=1, bitorder="little").view("<u8").ravel()
    anchors = _anchors(cps, keep, text_of, len(texts))
    return [Fingerprint(int(packed[i]), anchors[i]) if lengths[i] >= MIN_CHARS else Fingerprint(0, ())
            for i in range(len(texts))]


def _bit_votes(hashes: npt.NDArray[np.uint64], owner: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.uint64]:
    """Per text and bit, how many of its features have that bit set (``owner`` ascending).

    Bit-sliced: each 4-bit nibble of a hash becomes four 16-bit counters in one uint64
    (:data:`_NIBBLE_LANES`), so one ``reduceat`` per nibble counts four bits of every text at
    once. A text has at most ``2 * MAX_CHARS`` features, far below a counter's 65,535.
    """
    votes = np.zeros((n, 16), dtype=np.uint64)
    bounds = np.searchsorted(owner, np.arange(n + 1))
    starts = bounds[:-1]
    present = starts < bounds[1:]
    if not present.any():
        return votes.view(np.uint16).reshape(n, 64).astype(np.uint64)
    first = starts[present]
    by_byte = np.ascontiguousarray(hashes.astype("<u8").view(np.uint8).reshape(-1, 8).T)
    for j in range(8):
        row = by_byte[j]
        votes[present, 2 * j] = np.add.reduceat(_NIBBLE_LANES[row & 15], first)
        votes[present, 2 * j + 1] = np.add.reduceat(_NIBBLE_LANES[row >> 4], first)
    return votes.view("<u2").reshape(n, 64).astype(np.uint64)


def _anchors(cps: npt.NDArray[np.uint64], keep: npt.NDArray[np.bool_], text_of: npt.NDArray[np.int64],
             n: int) -> list[tuple[int, ...]]:
    """The :data:`ANCHORS` smallest trigram hashes of each text (48 bits each; batches below 65,536 texts)."""
    if len(cps) < 3:
        return [()] * n
    ok3 = keep[:-2] & keep[1:-1] & keep[2:]
    tri = _mix(((cps[:-2] << _U64(42)) ^ (cps[1:-1] << _SHIFT_BIGRAM) ^ cps[2:] ^ _TAG_TRIGRAM)[ok3])
    owner = text_of[:-2][ok3].astype(np.uint64)
    keys = np.sort((owner << _U64(48)) | (tri >> _U64(16)))  # by text, then by hash (its top 48 bits)
    owner, tri = (keys >> _U64(48)).astype(np.intp), keys & _U64((1 << 48) - 1)
    firsts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    rank = np.arange(len(owner)) - np.repeat(firsts, np.diff(np.r_[firsts, len(owner)]))
    chosen = rank < ANCHORS
    table = np.zeros((n, ANCHORS), dtype=np.uint64)
    table[owner[chosen], rank[chosen]] = tri[chosen]
    return [tuple(a for a in row if a) for row in table.tolist()]


def hamming(a: int, b: int) -> int:
    """Bits that differ between two fingerprints."""
    return (a ^ b).bit_count()
