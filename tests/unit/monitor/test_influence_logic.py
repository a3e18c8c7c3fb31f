"""KOL scoring and the novelty score of emerging terms (pure parts of the influence features)."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.monitor.kols import rank
from pipeline.monitor.trends import novelty


def _author(author_id: str, **figures: Any) -> dict[str, Any]:
    row = {"platform": "weibo", "author_id": author_id, "author_name": author_id, "followers": 100, "suspect": 0,
           "posts": 10, "brand_posts": 5, "active_days": 7, "engagement": 50, "reads": 0, "brand_sentiment": 0.0,
           "engaged": 10, "engaged_suspect": 0, "engaged_buyers": 0}
    return {**row, **figures}


def test_score_weights_reach_engagement_quality_and_affinity() -> None:
    rows = [_author("big", followers=1_000_000, engagement=10_000), _author("small", followers=10, engagement=1)]
    ranked = rank(rows, days=7)
    assert [r["author_id"] for r in ranked] == ["big", "small"]
    big = ranked[0]
    assert (big["reach"], big["engagement"]) == (1.0, 1.0)
    assert big["affinity"] == pytest.approx(0.7 * 0.5 + 0.3 * 0.5)
    assert big["score"] == pytest.approx(0.3 + 0.3 + 0.2 * big["quality"] + 0.2 * big["affinity"], abs=1e-4)


def test_quality_falls_with_low_quality_audiences_and_suspect_authors() -> None:
    rows = [_author("clean"), _author("farmed", engaged_suspect=8), _author("bot", suspect=1),
            _author("silent", engaged=0)]
    quality = {r["author_id"]: r["quality"] for r in rank(rows, days=7)}
    assert quality["clean"] == 1.0
    assert quality["farmed"] == pytest.approx(0.2)
    assert quality["bot"] == pytest.approx(0.5)
    assert quality["silent"] == pytest.approx(0.5)  # nobody responded: unknown, not bad
    quiet = rank([_author("once", active_days=1)], days=28)[0]
    assert quiet["quality"] == pytest.approx(0.5)  # active one day in 28: activity floor 0.5


def test_sort_keys_and_limit() -> None:
    rows = [_author("fan", brand_posts=10, brand_sentiment=1.0, followers=10), _author("star", followers=10**6)]
    assert rank(rows, 7, "affinity")[0]["author_id"] == "fan"
    assert rank(rows, 7, "reach", limit=1)[0]["author_id"] == "star" and len(rank(rows, 7, limit=1)) == 1
    assert rank([], 7) == []


def test_novelty_rewards_rises_against_the_baseline() -> None:
    assert novelty(10, 10) == 0 and novelty(5, 10) < 0
    assert novelty(20, 2) > novelty(20, 10) > 0
    assert novelty(20, 0) == pytest.approx(20 * 3.0445, rel=1e-3)
