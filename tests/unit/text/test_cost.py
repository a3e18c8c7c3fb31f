"""Analysis cost is linear in the text: doubling a text at most doubles its cost (within noise).

Also checks that the linear forms of the person filter (cues) and of the token alignment (brands)
decide exactly as the plain quadratic definitions they replace.
"""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.text import cues
from pipeline.text.detectors.brands import _COMPANY_PREFIXES, BrandDetector, token_bounds
from pipeline.text.normalize import CHAIN_ELIDED, REPOST_CHAIN_MAX, normalize
from pipeline.text.segment import tokenize_many
from tests.fixtures.hostile import chain_text, doubling_ratio
from tests.unit.text._support import analyzer

MAX_RATIO = 3.0
"""Doubling may cost at most this factor (2 when linear; a quadratic step gives 4)."""
PIECES = ["他", "我", "她说", "其他", "吉他", "苹果", "手机", "三星", "韩国", "北京", "东路", "京东", "不", "没有",
          "买了", "收到货", "太慢", "，", "。", "a", "hp", " ", "华为", "客服", "退货", "甜", "的人", "网友"]
units = st.lists(st.sampled_from(PIECES), min_size=4, max_size=30).map("".join)
COST = settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def _text(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


@COST
@given(units)
@example("他买了，其他人没买，")  # person and not-person spans all along
def test_cue_scan_is_linear(unit: str) -> None:
    book = analyzer().cues
    ratio = doubling_ratio(lambda n: book.scan(_text(unit, n)), 4000)
    assert ratio <= MAX_RATIO, f"cue scan of {unit!r}: doubling the text cost {ratio:.1f}x"


@COST
@given(units)
@example("北京东路韩国三星")  # every 京东 and 三星 starts inside a token
def test_brand_detection_is_linear(unit: str) -> None:
    an = analyzer()

    def detect(n: int) -> None:
        text = _text(unit, n)
        an.brands.detect(text, tokenize_many(an.segmenter, [text])[0])

    ratio = doubling_ratio(detect, 4000)
    assert ratio <= MAX_RATIO, f"brand detection of {unit!r}: doubling the text cost {ratio:.1f}x"


@COST
@given(units)
def test_whole_analysis_is_linear(unit: str) -> None:
    an = analyzer()
    ratio = doubling_ratio(lambda n: an.analyze(_text(unit, n)), 5000)
    assert ratio <= MAX_RATIO, f"analysis of {unit!r}: doubling the text cost {ratio:.1f}x"


def test_repost_chains_are_linear_and_capped() -> None:
    ratio = doubling_ratio(lambda n: normalize(chain_text(n)), 1000)
    assert ratio <= MAX_RATIO, f"//@ chain: doubling the names cost {ratio:.1f}x"
    chain = normalize(chain_text(1000)).repost_chain
    assert len(chain) == REPOST_CHAIN_MAX and chain[0] == CHAIN_ELIDED
    assert chain[1:] == [f"{i:03x}" for i in range(1000 - REPOST_CHAIN_MAX + 1, 1000)]
    assert normalize(chain_text(REPOST_CHAIN_MAX)).repost_chain == [f"{i:03x}" for i in range(REPOST_CHAIN_MAX)]


def _persons_quadratic(spans: list[cues.Span]) -> list[cues.Span]:
    """The definition the linear form must match: person spans inside no ``not_person`` span."""
    blockers = [(s, e) for name, s, e in spans if name == "not_person"]
    return [sp for sp in spans if sp[0] in ("first_person", "third_person")
            and not any(s <= sp[1] and sp[2] <= e for s, e in blockers)]


span = st.tuples(st.sampled_from(["first_person", "third_person", "not_person", "negator"]),
                 st.integers(0, 40), st.integers(1, 4)).map(lambda t: (t[0], t[1], t[1] + t[2]))


@settings(max_examples=300, derandomize=True)
@given(st.lists(span, max_size=30))
def test_person_filter_matches_its_definition(spans: list[cues.Span]) -> None:
    assert cues._persons(spans) == _persons_quadratic(spans)


def _aligned_quadratic(text: str, start: int, end: int, bounds: dict[int, int]) -> bool:
    """The old form of the 'name starts inside a token' branch: a scan of every token."""
    for s, stop in bounds.items():
        if s < start < stop:
            return stop == end and text[s:start] in _COMPANY_PREFIXES
    return False


@settings(max_examples=200, derandomize=True, deadline=None)  # its first example builds the shared analyzer (~1 s)
@given(units, st.data())
def test_alignment_inside_a_token_matches_the_scan(unit: str, data: st.DataObject) -> None:
    an = analyzer()
    tokens = tokenize_many(an.segmenter, [unit])[0]
    bounds = token_bounds(unit, tokens)
    start = data.draw(st.integers(0, len(unit) - 1))
    end = data.draw(st.integers(start + 1, len(unit)))
    if start in bounds:
        return  # the other branch, unchanged
    match = type("M", (), {"start": start, "end": end})()
    got = BrandDetector._aligned(unit, match, bounds, list(bounds))  # type: ignore[arg-type]
    assert got == _aligned_quadratic(unit, start, end, bounds)
