"""Which texts may hold a run that :func:`pipeline.text.normalize.squeeze` shortens, for a whole batch in numpy.

``squeeze`` shortens a doubled punctuation mark or symbol (``!!``, ``。。``), a character repeated three
times or more and a Chinese character pair repeated three times or more. Looking for them with a
regular expression costs every text tens of nanoseconds per character (the back-references); most
texts hold none. :func:`runs_possible` finds, with a few array comparisons over the joined batch,
the texts that may hold one: a text it leaves out holds none, so ``squeeze`` would return it unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

_BMP = 0x10000


@lru_cache(maxsize=1)
def _word_or_space() -> npt.NDArray[np.bool_]:
    r"""Per code point of the Basic Multilingual Plane, whether ``re`` counts it as ``\w`` or ``\s``."""
    chars = "".join(map(chr, range(_BMP)))
    marked = re.sub(r"[\w\s]", "\x00", chars)  # the regex engine's own classes, not a re-implementation
    points = np.frombuffer(marked.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table: npt.NDArray[np.bool_] = points != np.arange(_BMP, dtype=np.uint32)
    return table


def runs_possible(texts: Sequence[str]) -> list[bool]:
    """Per text, whether it may hold a doubled mark or symbol, a tripled character or a tripled pair.

    A superset of the texts ``squeeze`` changes: a mark outside the Basic Multilingual Plane (an
    emoji) counts as a symbol, and any tripled character or pair counts.
    """
    n = len(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    text_of = np.repeat(np.arange(n), lengths)
    same1 = (points[:-1] == points[1:]) & (text_of[:-1] == text_of[1:])  # i and i + 1 equal, one text
    same2 = (points[:-2] == points[2:]) & (text_of[:-2] == text_of[2:])  # i and i + 2 equal, one text
    symbol = ~(_word_or_space()[np.minimum(points, _BMP - 1)] & (points < _BMP))
    doubled_symbol = same1 & symbol[:-1]
    tripled = same1[:-1] & same1[1:]
    tripled_pair = same2[:-3] & same2[1:-2] & same2[2:-1] & same2[3:]
    flags = np.zeros(n, dtype=bool)
    for found in (doubled_symbol, tripled, tripled_pair):
        flags[text_of[np.flatnonzero(found)]] = True
    out: list[bool] = flags.tolist()
    return out
