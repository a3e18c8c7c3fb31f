"""KeywordExtractor's weight cache at its bound: a text is always scored with all of its weights."""

from __future__ import annotations

import random

import pytest

from pipeline.text.keywords import CACHE_SIZE, KeywordExtractor, load_idf, load_stopwords

BOUND = 100


def _vocabulary(n: int) -> list[str]:
    """``n`` distinct tokens: known Chinese words (their idf), stop words (weight 0) and unknown Latin words."""
    idf, _ = load_idf()
    han = sorted(w for w in idf if len(w) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in w))
    stop = sorted(load_stopwords())
    assert len(han) > n, "the shipped idf table should know many words"
    words = list(dict.fromkeys([*han[: n // 2], *(w for w in stop if w not in idf)][: n // 2 + n // 4]))
    words += [f"zq{i}x" for i in range(n - len(words))]
    assert len(set(words)) == n
    return words


def _reference(tokens: list[str]) -> list[str]:
    """The keywords computed without any cache."""
    return KeywordExtractor(cache_size=0).extract(tokens)


def test_one_text_fills_the_cache_to_its_bound_and_is_scored_whole() -> None:
    kx = KeywordExtractor(cache_size=BOUND)
    words = _vocabulary(3 * BOUND)
    text = words[:BOUND] + words[:10]  # exactly BOUND distinct tokens, ten of them twice
    assert kx.extract(text) == _reference(text) and kx.cached == BOUND
    assert kx.extract(text) == _reference(text) and kx.cached == BOUND  # all cached now
    # ten cached tokens first, then more new ones than the cache has room for
    crossing = words[:10] + words[BOUND : BOUND + 95]
    assert kx.extract(crossing) == _reference(crossing)
    assert kx.cached <= BOUND


def test_the_reported_case_a_cached_token_then_the_bound_passed_within_the_text() -> None:
    kx = KeywordExtractor(cache_size=BOUND)
    words = _vocabulary(BOUND + 10)
    kx.extract(words[: BOUND - 1])  # one place left
    text = ["等", words[0], *words[BOUND - 1 : BOUND + 10]]  # cached tokens first, then 11 new ones
    assert kx.extract(text) == _reference(text)  # raised KeyError: '等' before the fix
    assert kx.cached <= BOUND


def test_a_text_with_more_distinct_tokens_than_the_bound() -> None:
    kx = KeywordExtractor(cache_size=BOUND)
    words = _vocabulary(3 * BOUND)
    kx.extract(words[:50])
    text = [*words, *words[:7]]
    assert kx.extract(text) == _reference(text)
    assert kx.cached == BOUND
    assert kx.extract(words[:50]) == _reference(words[:50])


def test_a_long_stream_through_a_small_cache_matches_the_uncached_keywords() -> None:
    rng = random.Random(29)
    words = _vocabulary(1000)
    kx = KeywordExtractor(cache_size=37)
    for _ in range(300):
        text = [rng.choice(words) for _ in range(rng.randint(1, 80))]
        assert kx.extract(text) == _reference(text)
        assert kx.cached <= 37


def test_the_default_bound_and_no_negative_bound() -> None:
    assert KeywordExtractor().cache_size == CACHE_SIZE == 200_000
    with pytest.raises(ValueError):
        KeywordExtractor(cache_size=-1)


def test_a_batch_ranks_like_one_text_at_a_time_cached_or_not() -> None:
    rng = random.Random(31)
    words = _vocabulary(400)
    texts = [[rng.choice(words[:200]) for _ in range(rng.randint(0, 40))] for _ in range(300)]
    texts += [["新词甲", *t] for t in texts[:20]] + [[], ["zq1x"] * 3]  # never cached / no keyword
    batch = KeywordExtractor()
    warm = [batch.extract(t) for t in texts[:100]]  # some weights cached, others not yet
    assert batch.extract_many(texts) == [_reference(t) for t in texts]
    assert batch.extract_many(texts) == [_reference(t) for t in texts]  # every weight cached now
    assert warm == [_reference(t) for t in texts[:100]]
    assert KeywordExtractor().extract_many([]) == []
