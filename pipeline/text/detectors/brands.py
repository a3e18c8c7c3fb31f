"""Brand mentions: which lexicon brands a text names, and which of them are competitors.

A name counts when

1. it occurs in the detection text (simplified, lower case, mentions and URLs masked), found
   with one Aho-Corasick pass over every name, alias and product of the lexicon;
2. it is not part of a longer name or of an exclusion phrase (苹果日报, 霸王条款, 马伊利);
3. it is a word of its own: a Chinese name must start and end on token boundaries of the
   segmentation (so 京东 in 北京东路 or 伊利 in 伊利诺伊 do not count) unless the token is the
   name plus a company suffix (三星电子, 联想集团); a Latin name must not touch other Latin
   letters (``hp`` in ``php`` does not count, ``iphone5`` does);
4. if the name is also a common word (see ``data/ambiguous_brands.yaml``), the words around
   it point to the brand sense (苹果 + 手机, not 苹果 + 甜).

Mentions of official accounts (``@蒙牛乳业``, ``@蒙牛微客服``) count as well.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.text.lexicon import AmbiguityRule, Lexicon, builtin_ambiguity
from pipeline.text.matcher import Match, PhraseMatcher, longest_non_overlapping

WINDOW = 10
"""Characters on each side of an ambiguous name in which context words are counted."""

MAX_MATCHES = 200
"""Name matches judged per text (in text order); later ones are not looked at, so a text stuffed
with brand names costs no more than this many. A real post names a few."""

_COMPANY_SUFFIXES = frozenset(
    "公司 有限公司 集团 电子 技术 网 商城 电器 空调 手机 电脑 咖啡 价 机 店 超市 自营 乳业 研究院 平板 笔记本".split()
)
_COMPANY_PREFIXES = frozenset("中国 美国 韩国 日本 青岛 向 从".split())
_OFFICIAL_SUFFIXES = frozenset(
    "官方 官方微博 官博 微博 客服 微客服 乳业 集团 公司 中国 商城 官方旗舰店 旗舰店 科技 电器 服务 手机 网".split()
)


@dataclass(frozen=True, slots=True)
class _Term:
    brand: int
    rule: AmbiguityRule | None
    latin_start: bool
    latin_end: bool
    han: bool


def _inside_exclusion(
    m: Match[tuple[str, _Term | None]], excluded: list[tuple[int, int]], starts: list[int], reach: int
) -> bool:
    """Whether a longer exclusion phrase covers ``m`` (exclusions sorted by start, at most ``reach`` long)."""
    i = bisect_right(starts, m.start) - 1
    while i >= 0 and excluded[i][0] >= m.start - reach:
        s, e = excluded[i]
        if m.end <= e and (e - s) > (m.end - m.start):
            return True
        i -= 1
    return False


def _is_latin(ch: str) -> bool:
    return "a" <= ch <= "z"


def _is_alnum_ascii(ch: str) -> bool:
    return "a" <= ch <= "z" or "0" <= ch <= "9"


def token_bounds(text: str, tokens: list[str]) -> dict[int, int]:
    """Map each token start offset in ``text`` to its end offset (tokens are in text order)."""
    bounds: dict[int, int] = {}
    pos = 0
    for tok in tokens:
        i = text.find(tok, pos)
        if i < 0:  # a token that is not a plain substring (should not happen): stop mapping
            break
        bounds[i] = i + len(tok)
        pos = i + len(tok)
    return bounds


class BrandDetector:
    """Finds lexicon brands in normalised text; build once per lexicon, call per text."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.names = [b.name for b in lexicon.brands]
        self.own = [b.own for b in lexicon.brands]
        entries: list[tuple[str, tuple[str, _Term | None]]] = []
        self._context: dict[str, PhraseMatcher[int]] = {}
        for i, brand in enumerate(lexicon.brands):
            for term in brand.terms:
                rule = brand.rules.get(term)
                han = any("\u4e00" <= ch <= "\u9fff" for ch in term)
                info = _Term(i, rule, _is_latin(term[0]), _is_latin(term[-1]), han)
                entries.append((term, ("term", info)))
                if rule is not None:
                    self._context[term] = PhraseMatcher(
                        [(w, 1) for w in rule.context] + [(w, -1) for w in rule.anti_context]
                    )
            entries.extend((phrase, ("exclude", None)) for phrase in brand.exclude)
        entries.extend((phrase, ("exclude", None)) for phrase in builtin_ambiguity().exclude)
        self._max_exclusion = max((len(p) for p, (kind, _) in entries if kind == "exclude"), default=0)
        self._matcher: PhraseMatcher[tuple[str, _Term | None]] = PhraseMatcher(entries)

    def detect(self, text: str, tokens: list[str], mentions: Sequence[str] = ()) -> tuple[list[str], list[str]]:
        """Canonical names of the brands in ``text`` (order of appearance) and the matched spans."""
        found: dict[int, None] = {}
        evidence: list[str] = []
        matches = self._matcher.find(text) if text else []
        if matches:
            self._judge(text, tokens, matches, found, evidence)
        for name in mentions:
            brand = self._official_account(name.lower())
            if brand is not None:
                found.setdefault(brand, None)
                evidence.append(f"@{name}")
        return [self.names[i] for i in found], evidence

    def _judge(
        self,
        text: str,
        tokens: list[str],
        matches: list[Match[tuple[str, _Term | None]]],
        found: dict[int, None],
        evidence: list[str],
    ) -> None:
        excluded = sorted((m.start, m.end) for m in matches if any(kind == "exclude" for kind, _ in m.values))
        starts = [s for s, _ in excluded]
        # leftmost-longest: a name inside a longer name (苹果 in 苹果手机) is dropped
        terms = longest_non_overlapping([m for m in matches if any(kind == "term" for kind, _ in m.values)])
        terms = terms[:MAX_MATCHES]
        bounds: dict[int, int] | None = None
        token_starts: list[int] = []
        shown: set[str] = set()
        for m in terms:
            info = next(v for kind, v in m.values if kind == "term")
            assert info is not None
            if info.brand in found and m.phrase in shown:
                continue  # the same name of a brand already found: it changes nothing
            if excluded and _inside_exclusion(m, excluded, starts, self._max_exclusion):
                continue
            if info.latin_start and m.start > 0 and _is_latin(text[m.start - 1]):
                continue
            if info.latin_end and m.end < len(text) and _is_latin(text[m.end]):
                continue
            if info.han and not (info.latin_start or info.latin_end):
                if bounds is None:
                    bounds = token_bounds(text, tokens)
                    token_starts = list(bounds)  # in text order, so sorted
                if not self._aligned(text, m, bounds, token_starts):
                    continue
            if info.rule is not None and not self._brand_sense(text, m, info.rule):
                continue
            found.setdefault(info.brand, None)
            if m.phrase not in shown:
                shown.add(m.phrase)
                evidence.append(m.phrase)

    @staticmethod
    def _aligned(
        text: str, m: Match[tuple[str, _Term | None]], bounds: dict[int, int], starts: list[int]
    ) -> bool:
        """Whether a Chinese name starts and ends on token boundaries (or has a company prefix or suffix).

        Args:
            text: The detection text.
            m: The name's match.
            bounds: Start to end offset of every token (:func:`token_bounds`).
            starts: The token starts in order (the keys of ``bounds``).
        """
        end = bounds.get(m.start)
        if end is not None:
            if end == m.end:
                return True
            if end > m.end:  # the token continues: a company suffix is fine (三星电子)
                return text[m.end : end] in _COMPANY_SUFFIXES
            # the name spans several tokens: fine if it ends on a token boundary
            pos = end
            while pos < m.end:
                nxt = bounds.get(pos)
                if nxt is None:
                    return False
                pos = nxt
            return pos == m.end
        # the name starts inside a token (韩国三星): tokens do not overlap, so only the last one
        # starting before the name can hold it (a bisection, not a scan of every token)
        i = bisect_left(starts, m.start) - 1
        if i < 0:
            return False
        start = starts[i]
        stop = bounds[start]
        return start < m.start < stop and stop == m.end and text[start : m.start] in _COMPANY_PREFIXES

    def _brand_sense(self, text: str, m: Match[tuple[str, _Term | None]], rule: AmbiguityRule) -> bool:
        left = text[max(0, m.start - WINDOW) : m.start]
        right = text[m.end : m.end + WINDOW]
        score = sum(sum(hit.values) for hit in self._context[m.phrase].longest(left + "\n" + right))
        if rule.models and right[:1] and _is_alnum_ascii(right[0]):
            score += 1
        return score > 0 if rule.needs_context else score >= 0

    def _official_account(self, name: str) -> int | None:
        """The brand whose official account ``name`` is (蒙牛乳业, 蒙牛微客服), if any."""
        for m in self._matcher.find(name):
            if m.start != 0:
                continue
            for kind, info in m.values:
                if kind != "term" or info is None:
                    continue
                rest = name[m.end :]
                if (rest == "" and info.rule is None) or rest in _OFFICIAL_SUFFIXES:
                    return info.brand
        return None
