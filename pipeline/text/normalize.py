"""Text normalisation and field extraction for Chinese social-media text.

:func:`normalize_many` turns raw texts into :class:`Normalized` records:

* traditional -> simplified characters (OpenCC ``t2s``), full-width -> half-width
  (``＂Ａ１！＂`` -> ``"A1!"``, ideographic space -> space), control characters removed;
* the Weibo repost chain ``my words//@userA:their words//@userB:...`` is split off:
  ``own_text`` keeps the author's own words, ``repost_chain`` the user names in order
  (nearest first; at most :data:`REPOST_CHAIN_MAX` of them: a longer chain keeps the names
  nearest the root post and starts with :data:`CHAIN_ELIDED` for the names it dropped);
* URLs, ``@mentions``, ``#话题#`` hashtags, platform emoticons (``[哈哈]``) and emoji
  are extracted into their own fields (emoticons are kept as sentiment signals);
* only the first :data:`ANALYSED_CHARS` characters of the own text are analysed (and kept);
* the own text is lower-cased (Latin brand names), repeated punctuation is squeezed to
  one mark and a character repeated three or more times to two (``哈哈哈哈`` -> ``哈哈``).

``normalized`` is the own text after these steps with URLs removed; ``detect_text`` is
``normalized`` with mentions and emoticons masked out as well: the detectors read it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import opencc

from pipeline.text.runs import runs_possible

_SEP = "\x00"

# Full-width ASCII variants (U+FF01..U+FF5E) -> ASCII, ideographic space -> space,
# control characters -> space (keeps offsets simple and OpenCC batch separators safe).
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH.update({0x3000: 0x20, 0xFFE5: ord("¥"), 0x2018: ord("'"), 0x2019: ord("'")})
_WIDTH.update({cp: 0x20 for cp in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)})
_WIDTH_TABLE = str.maketrans(_WIDTH)
# The most frequent full-width marks are replaced with str.replace on the whole batch (fast);
# the rest are translated only in the texts that still contain one.
_COMMON_WIDE = ("，", "！", "？", "：", "；", "（", "）", "　", "～", "．", "＂", "＇", "％", "＋", "－", "／")
_WIDE_OR_CONTROL = re.compile(r"[\uff01-\uff5e\u3000\uffe5\u2018\u2019\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_NUL = re.compile(r"\x00")

_URL = r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#@!$&'*+=%;,]+"
_MENTION = r"@([\u4e00-\u9fffA-Za-z0-9_\-]{1,30})"
_HASHTAG = r"#([^#\n]{1,60})#"
_EMOTICON = r"\[([\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]{0,7})\]"
_EMOJI = r"[\U0001F300-\U0001FAFF\U0001F000-\U0001F02F\U0001F0A0-\U0001F1FF\u2600-\u27BF\u2B50\u2B55\u2764]"

_URL_RE = re.compile(_URL)
_EMOJI_RE = re.compile(_EMOJI)
_FIELDS_RE = re.compile(rf"(?P<url>{_URL})|{_MENTION}|{_HASHTAG}|{_EMOTICON}|(?P<emoji>{_EMOJI})")
_MASK_RE = re.compile(rf"{_URL}|{_MENTION}|{_EMOTICON}|{_EMOJI}|[\ufe0f\u200d]")
_CHAIN_RE = re.compile(r"//\s*@([^:：\s/@]{1,30})")
_DOUBLE = re.compile(r"(.)\1|([\u4e00-\u9fff]{2})\2")
_PUNCT_RUN = re.compile(r"([^\w\s])\1+")
_CHAR_RUN = re.compile(r"([^\W\d_a-z])\1{2,}")
_PAIR_RUN = re.compile(r"([\u4e00-\u9fff]{2})\1{2,}")
_SPACES = re.compile(r"\s+")
_URL_TRAIL = ".,;:!?'"
_VECTOR_MIN = 16
"""Texts of a batch from which their runs are looked for in numpy (:func:`runs_possible`)."""
REPOST_CHAIN_MAX = 64
"""Names kept of a ``//@`` chain: a cascade walks every name, so an unbounded chain costs unbounded time."""
ANALYSED_CHARS = 500
"""Characters of a text's own words that are analysed (and kept as ``own_text``): several times a
typical post, comment or review (Weibo's classic limit is 140). The repost chain is read from the
whole text; the rest of a longer text is stored with the event, not analysed, so one event costs
at most a fixed amount whatever its length (a brand named only further on is not found)."""
CHAIN_ELIDED = "…"
"""First name of a chain cut at :data:`REPOST_CHAIN_MAX`: it stands for the names dropped (the nearest ones)."""


@dataclass(slots=True)
class Normalized:
    """One text after normalisation; every field is derived from the raw text alone."""

    own_text: str
    normalized: str
    detect_text: str
    urls: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    emoticons: list[str] = field(default_factory=list)
    repost_chain: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _convert(text: str) -> str:
    """Traditional -> simplified with the process-wide OpenCC converter."""
    return str(_converter().convert(text))


def to_simplified_many(texts: Sequence[str]) -> list[str]:
    """Traditional -> simplified for many texts with one OpenCC call (texts must not contain NUL)."""
    if not texts:
        return []
    out: list[str] = _convert(_SEP.join(texts)).split(_SEP)
    if len(out) != len(texts):  # pragma: no cover - defensive: a converter that ate a separator
        return [_convert(t) for t in texts]
    return out


def _fold_match(m: re.Match[str]) -> str:
    return m.group().translate(_WIDTH_TABLE)


def fold_many(texts: Sequence[str]) -> list[str]:
    """Width folding and control-character removal for a batch, then traditional -> simplified.

    Works on the joined batch: a few ``str.replace`` calls cover the common full-width
    marks, a translation table the rest, and OpenCC converts the batch in one call.
    """
    if not texts:
        return []
    joined = _SEP.join(texts)
    if len(texts) > 1 and joined.count(_SEP) != len(texts) - 1:  # a text contains NUL
        joined = _SEP.join(_CONTROL_NUL.sub(" ", t) for t in texts)
    elif len(texts) == 1:
        joined = _CONTROL_NUL.sub(" ", joined)
    for wide in _COMMON_WIDE:
        if wide in joined:
            joined = joined.replace(wide, wide.translate(_WIDTH_TABLE))
    joined = _WIDE_OR_CONTROL.sub(_fold_match, joined)
    out: list[str] = _convert(joined).split(_SEP)
    if len(out) != len(texts):  # pragma: no cover - defensive: a converter that ate a separator
        return [_convert(t.translate(_WIDTH_TABLE)) for t in texts]
    return out


def fold_chars(text: str) -> str:
    """Width folding, control-character removal and lower-casing, without script conversion."""
    return text.translate(_WIDTH_TABLE).lower()


def normalize_term(term: str) -> str:
    """Normalise a lexicon or cue term exactly like text (simplified, half-width, lower case)."""
    return _convert(term.translate(_WIDTH_TABLE)).lower().strip()


def squeeze(text: str) -> str:
    """Squeeze repeated punctuation to one mark and a character repeated 3+ times to two."""
    if not _DOUBLE.search(text):
        return text
    text = _PUNCT_RUN.sub(r"\1", text)
    text = _CHAR_RUN.sub(r"\1\1", text)
    return _PAIR_RUN.sub(r"\1\1", text)


def _clean(text: str, runs: bool = True) -> str:
    """Squeeze (unless ``runs`` says there is nothing to squeeze), collapse whitespace, strip; ``text`` lower-cased."""
    if runs:
        text = squeeze(text)
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


def _clean_many(texts: Sequence[str]) -> list[str]:
    """:func:`_clean` of many lower-cased texts; :func:`squeeze` runs only where :func:`runs_possible` finds a run.

    A few texts are cheaper to squeeze than to look at in numpy.
    """
    runs = runs_possible(texts) if len(texts) >= _VECTOR_MIN else [True] * len(texts)
    return [_clean(t, r) for t, r in zip(texts, runs, strict=True)]


def _has_fields(own: str) -> bool:
    return "@" in own or "#" in own or "[" in own or "http" in own or "www." in own or _EMOJI_RE.search(own) is not None


def _chain(text: str, cut: int) -> list[str]:
    """The ``//@`` names from ``cut`` on, nearest first, capped at :data:`REPOST_CHAIN_MAX`.

    A longer chain keeps the names nearest the root post (the path from the root stays right as
    far as it goes) behind one :data:`CHAIN_ELIDED` standing for the nearest names it dropped.
    """
    chain: list[str] = _CHAIN_RE.findall(text, cut)
    if len(chain) > REPOST_CHAIN_MAX:
        chain = [CHAIN_ELIDED, *chain[len(chain) - REPOST_CHAIN_MAX + 1 :]]
    return chain


def _normalize_one(text: str) -> Normalized:
    """Normalise one text that is already simplified and width-folded (case preserved).

    ``normalized`` and ``detect_text`` are lower-cased here but not yet cleaned (:func:`_finish`).
    """
    chain: list[str] = []
    own = text
    if "//" in text:
        cut = text.find("//@")
        if cut < 0:
            cut = text.find("// @")
        if cut >= 0:
            own = text[:cut]
            chain = _chain(text, cut)
    if len(own) > ANALYSED_CHARS:
        own = own[:ANALYSED_CHARS]
    urls: list[str] = []
    mentions: list[str] = []
    hashtags: list[str] = []
    emoticons: list[str] = []
    if _has_fields(own):
        for m in _FIELDS_RE.finditer(own):
            if m.group("url"):
                urls.append(m.group("url").rstrip(_URL_TRAIL))
            elif m.group(2):
                mentions.append(m.group(2))
            elif m.group(3):
                hashtags.append(m.group(3).strip().lower())
            elif m.group(4):
                emoticons.append(f"[{m.group(4).lower()}]")
            elif m.group("emoji"):
                emoticons.append(m.group("emoji"))
        normalized = (_URL_RE.sub(" ", own) if urls else own).lower()
        detect = _MASK_RE.sub(" ", own).lower() if (mentions or emoticons or urls) else normalized
    else:
        normalized = detect = own.lower()
    return Normalized(
        own_text=own.strip(),
        normalized=normalized,
        detect_text=detect,
        urls=urls,
        mentions=mentions,
        hashtags=hashtags,
        emoticons=emoticons,
        repost_chain=chain,
    )


_LONG = 2 * ANALYSED_CHARS
"""A text longer than this is cut before it is folded: only its analysed window and its chain are read."""
_RAW_CHAIN = re.compile(r"[/／]{2}\s?[@＠]")
"""Where a repost chain starts in a text not yet folded (``//@``, ``// @`` in either width)."""


def _chain_start(text: str) -> int:
    """Where the repost chain of a raw text starts (its length when it has none); a fast scan."""
    m = _RAW_CHAIN.search(text) if "/" in text or "／" in text else None
    return len(text) if m is None else m.start()


def _long_text(text: str) -> tuple[str, list[str]]:
    """The analysed window of a long raw text's own words, and its chain names (not yet simplified).

    Reading the whole text costs time in proportion to its length; this reads only the window
    (the own words are cut at :data:`ANALYSED_CHARS` anyway) and the chain, width-folded.
    """
    cut = _chain_start(text)
    chain = _chain(_WIDE_OR_CONTROL.sub(_fold_match, text[cut:]), 0) if cut < len(text) else []
    return text[: min(cut, ANALYSED_CHARS)], chain


def analysed_part(text: str) -> str:
    """The part of ``text`` that normalisation reads: the text itself unless it is long.

    A long text becomes its own words' analysed window followed by its chain (from the first
    ``//@`` on): it normalises like the whole text, and is what a worker sends to its analysis
    processes instead of the whole text.
    """
    if len(text) <= _LONG:
        return text
    cut = _chain_start(text)
    return text[: min(cut, ANALYSED_CHARS)] + text[cut:]


def _finish(out: list[Normalized]) -> list[Normalized]:
    """Clean the ``normalized`` and ``detect_text`` of every record, for the whole batch at once."""
    masked = [i for i, n in enumerate(out) if n.detect_text is not n.normalized]
    cleaned = _clean_many([n.normalized for n in out] + [out[i].detect_text for i in masked])
    for n, text in zip(out, cleaned, strict=False):
        n.normalized = n.detect_text = text
    for i, text in zip(masked, cleaned[len(out) :], strict=True):
        out[i].detect_text = text
    return out


def normalize_many(texts: Sequence[str]) -> list[Normalized]:
    """Normalise many texts (one OpenCC call for the batch; a long text's window and chain only)."""
    if all(len(t) <= _LONG for t in texts):
        return _finish([_normalize_one(t) for t in fold_many(texts)])
    heads: list[str] = []
    chains: dict[int, list[str]] = {}
    for i, text in enumerate(texts):
        if len(text) > _LONG:
            text, chain = _long_text(text)
            if chain:
                chains[i] = chain
        heads.append(text)
    out = _finish([_normalize_one(t) for t in fold_many(heads)])
    names = [name for chain in chains.values() for name in chain]
    simplified = iter(to_simplified_many([_CONTROL_NUL.sub(" ", n) for n in names]))
    for i, chain in chains.items():
        out[i].repost_chain = [next(simplified) for _ in chain]
    return out


def normalize(text: str) -> Normalized:
    """Normalise one text; see the module docstring for what each field holds."""
    return normalize_many([text])[0]
