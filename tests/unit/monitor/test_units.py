"""Pure parts of monitoring: baseline arithmetic, audience rules, live filters, SSE parsing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.cli.tail import parse_sse
from pipeline.hub import sse
from pipeline.monitor.audience import AuthorStats, classify, suspect_account
from pipeline.monitor.baseline import baseline, detect, windows_covered
from pipeline.monitor.models import LiveMention, MentionFilter
from pipeline.text.fingerprint import text_hash


def test_baseline_mean_and_sigma_count_empty_windows_as_zero() -> None:
    b = baseline(total=6, sum_squares=14, windows=6)  # counts 1,2,3,0,0,0
    assert b.mean == pytest.approx(1.0)
    assert b.std == pytest.approx((14 / 6 - 1) ** 0.5)
    assert detect(4, b, k=3, min_count=5) is None  # below min_count
    spike = detect(30, b, k=3, min_count=5)
    assert spike is not None and spike.severity == "high"
    flat = baseline(total=20, sum_squares=40, windows=10)  # exactly 2 per window: sigma 0, Poisson floor
    assert detect(5, flat, k=3, min_count=1) is None and detect(7, flat, k=3, min_count=1) is not None


def test_windows_covered_starts_at_first_data() -> None:
    assert windows_covered(None, 10_000, 0, 300) == 0
    assert windows_covered(10_000 - 3600, 10_000, 0, 300) == 12
    assert windows_covered(0, 10_000, 4000, 300) == 20


def test_audience_rules() -> None:
    assert classify(AuthorStats(followers=10, posts=5000)) == ["suspected_low_quality"]
    assert classify(AuthorStats(followers=80, account_age_days=3)) == ["suspected_low_quality"]
    assert classify(AuthorStats(followers=300, compared_texts=6, distinct_texts=2)) == ["suspected_low_quality"]
    assert classify(AuthorStats(followers=300, copied_texts=1)) == ["suspected_low_quality"]
    assert classify(AuthorStats(followers=50_000, buyer=True)) == ["real_customer", "high_value"]
    assert classify(AuthorStats(followers=10, purchase_intent=True)) == ["potential_customer"]
    assert classify(AuthorStats(followers=1200, verified_type="personal")) == ["high_value"]
    assert classify(AuthorStats(followers=10, posts=5000), override="real_customer") == ["real_customer"]
    assert classify(AuthorStats()) == ["ordinary"]
    assert not suspect_account(500, 100_000, None)
    assert text_hash("转发微博") == 0 and text_hash("一模一样的水军文案来了") == text_hash("一模一样的 水军文案来了")


def _mention(**kw: object) -> LiveMention:
    base = dict(event_id="weibo:1", platform="weibo", kind="post", author_id="1", author_name="a", author_followers=1,
                text="t", created_at=datetime.now(UTC), received_at=0.0, brands=["蒙牛"], competitors=[],
                signals=["own_mention", "negative"], sentiment="negative", sentiment_score=-0.9, keywords=[],
                buyer=False, service_request=False, purchase_intent=False, repost_depth=0)
    base.update(kw)
    return LiveMention(**base)  # type: ignore[arg-type]


def test_filters() -> None:
    m = _mention()
    assert MentionFilter().matches(m)
    assert MentionFilter(brand="蒙牛", sentiment="negative", signal="negative", platform="weibo").matches(m)
    assert not MentionFilter(brand="伊利").matches(m)
    assert not MentionFilter(competitor="伊利").matches(m)
    assert not MentionFilter(signal="buyer").matches(m)


def test_sse_round_trip() -> None:
    frames = sse("mention", '{"a": 1}', "x") + ": keep-alive\n\n" + sse("alert", "line1\nline2")
    assert list(parse_sse(iter(frames.split("\n")))) == [("mention", '{"a": 1}'), ("alert", "line1\nline2")]
