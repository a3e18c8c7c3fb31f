"""Sentiment: labels on real reviews, negation, neutral news, score range, the shipped model."""

from __future__ import annotations

import pytest

from pipeline.text.sentiment import MODEL_FILE, features, load_model, negated_positions
from tests.unit.text._support import analyzer


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("衣服收到了，试穿了下大小合适，质量挺好的，", "positive"),
        ("挺好的！下次还定！辛苦送餐小哥", "positive"),
        ("這個酒店相對來說還是很不錯的，隔音效果很好，服務也不錯", "positive"),  # traditional script
        ("牛肉拌饭超难吃", "negative"),
        ("配送简直慢死了！！！！", "negative"),
        ("东西一般，洗后起头屑。", "negative"),
        ("不好吃，还慢", "negative"),
    ],
)
def test_review_sentiment(text: str, label: str) -> None:
    a = analyzer().analyze(text)
    assert a.sentiment == label
    assert (a.sentiment_score > 0) == (label == "positive")
    assert a.evidence["sentiment"] and label in a.signals


def test_negation_changes_the_features() -> None:
    assert features(["不", "好吃"]) == ["不", "!好吃"]
    assert features(["好吃", ",", "不", "贵", "的", "菜"]) == ["好吃", "不", "!贵", "!的", "菜"]
    assert negated_positions(["没有", "收到", ",", "快递"]) == [1]
    tokens = analyzer().analyze("不好吃").tokens
    assert analyzer().sentiment_model.score_tokens(tokens).label == "negative"


def test_text_without_opinion_is_neutral() -> None:
    a = analyzer().analyze("528105689823")
    assert a.sentiment == "neutral" and a.sentiment_score == pytest.approx(a.sentiment_score)
    assert a.evidence["sentiment"] == []


def test_scores_stay_in_range_and_the_model_file_is_small() -> None:
    for text in ("好好好好好好好好好好好好好好", "差差差差差差差差差差差差差差差差"):
        assert -1.0 <= analyzer().analyze(text).sentiment_score <= 1.0
    assert MODEL_FILE.stat().st_size < 3_000_000
    assert len(load_model().linear.weights) > 1000


def test_fast_scoring_equals_feature_scoring() -> None:
    model = analyzer().sentiment_model
    for text in ("没有想象中好吃，送的也慢", "[怒]说好的不辣呢", "很好，不贵，会回购"):
        norms, toks = analyzer().prepare([text])
        assert model.score_tokens(toks[0], norms[0].emoticons) == model.score(features(toks[0], norms[0].emoticons))
