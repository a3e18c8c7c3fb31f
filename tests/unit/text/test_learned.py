"""The learned detectors' pure parts: features, the training math, batch scoring, combination, bootstrap."""

from __future__ import annotations

import numpy as np

from pipeline.text.bootstrap import accuracy_interval, binary_intervals
from pipeline.text.cues import Scan
from pipeline.text.detectors import NOTHING, Decision
from pipeline.text.features import (
    char_pairs,
    feature_parts,
    flatten,
    length_feature,
    readable,
    rule_features,
    word_parts,
)
from pipeline.text.learned import HEADS, Head, Heads, Scorer, combine, decide_sentiment
from pipeline.text.linear import LinearModel
from pipeline.text.logreg import best_threshold, design, f1, fit_logistic, vocabulary
from pipeline.text.sentiment import NEGATORS


def test_word_parts_mark_negation_scope_head_and_tail() -> None:
    words, other = word_parts(["我", "不", "喜欢", "，", "123", "好", "吗"], NEGATORS)
    assert words == ["我", "不", "123", "好", "吗"]
    assert "n喜欢" in other  # in the negator's scope: its own feature
    assert other[-6:] == ["h我", "h不", "t吗", "z吗", "z好", "z123"]  # the last clause: 123 好 吗
    _, other = word_parts(["好吃", "，", "就是", "慢", "。", "!"], NEGATORS)
    assert [f for f in other if f[0] == "z"] == ["z慢", "z就是"]  # trailing punctuation skipped, the comma ends it


def test_char_pairs_length_and_flatten() -> None:
    assert char_pairs("没送到") == ["没送", "送到"]
    assert char_pairs("好") == []
    assert [length_feature(n) for n in (1, 8, 9, 60, 1000)] == ["l0", "l0", "l1", "l2", "l4"]
    parts = feature_parts("没送到", ["没", "送到"], Scan(), NEGATORS, ["[怒]"])
    flat = flatten(parts)
    assert flat[:1] == ["w没"] and "c没送" in flat and "n送到" in flat and "e[怒]" in flat and "l0" in flat
    assert rule_features(buyer=True, news=False) == ["rbuyer"]
    names = ("w好吃", "n好吃", "c没送", "qservice.logistics-", "rbuyer", "mquestion", "e[怒]")
    assert [readable(f) for f in names] == [
        "好吃", "不…好吃", "没送", "logistics", "rule:buyer", "marker:question", "[怒]"
    ]


def test_design_counts_repeats_and_drops_unknown_features() -> None:
    feats = [["a", "b", "a"], ["c"], []]
    vocab = vocabulary(feats, min_count=1)
    assert vocab == {"a": 0, "b": 1, "c": 2}
    rows, cols = design(feats, {"a": 0, "b": 1})
    assert rows.tolist() == [0, 0, 0] and sorted(cols.tolist()) == [0, 0, 1]
    assert vocabulary([["a"], ["a", "b"]], min_count=2) == {"a": 0}


def test_logistic_regression_learns_a_separable_toy_problem() -> None:
    feats = [["good"], ["good", "x"], ["bad"], ["bad", "x"]] * 5
    y = np.array([1.0, 1.0, 0.0, 0.0] * 5)
    vocab = vocabulary(feats, 1)
    rows, cols = design(feats, vocab)
    w, b = fit_logistic(rows, cols, y, np.ones(len(y)), len(vocab), l2=1e-3, epochs=200)
    assert w[vocab["good"]] > 1.0 > -1.0 > w[vocab["bad"]]
    assert abs(w[vocab["x"]]) < 0.2  # uninformative
    # sample weights: a contradicting row ("good" labelled 0) pulls the weight down only as far as it weighs
    rows2, cols2 = design([*feats, ["good"]], vocab)
    y2 = np.append(y, 0.0)
    light, _ = fit_logistic(rows2, cols2, y2, np.append(np.ones(len(y)), 0.1), len(vocab), 1e-3, 200)
    heavy, _ = fit_logistic(rows2, cols2, y2, np.append(np.ones(len(y)), 100.0), len(vocab), 1e-3, 200)
    assert heavy[vocab["good"]] < 0.0 < light[vocab["good"]]


def test_best_threshold_separates_and_prefers_the_middle() -> None:
    threshold, best = best_threshold([0.1, 0.2, 0.8, 0.9], [False, False, True, True])
    assert best == 1.0 and 0.2 < threshold < 0.8
    assert f1([True, False], [True, True]) == 2 / 3
    assert f1([False], [True]) == 0.0


def _head(weights: dict[str, float], bias: float = 0.0, threshold: float = 0.0) -> Head:
    return Head(LinearModel(weights, bias), threshold)


def test_batch_scores_equal_one_by_one_scores() -> None:
    buyer = _head({"w收到": 1.5, "c收到": 0.5, "qbuyer.received": 1.0, "rbuyer": 2.0, "l0": -0.1}, bias=-1.0)
    polarity = _head({"w好": 2.0, "n好": -2.5, "e[怒]": -1.0}, bias=0.2)
    scorer = Scorer(Heads(buyer, None, None, None, polarity))
    strings = ["收到了收到", "不好", "", "😡收到"]  # a repeated pair, no pair, a pair after an emoji
    texts = [
        feature_parts(strings[0], ["收到", "了", "收到"], Scan(), NEGATORS),
        feature_parts(strings[1], ["不", "好"], Scan(), NEGATORS, ["[怒]"]),
        feature_parts(strings[2], [], Scan(), NEGATORS),
        feature_parts(strings[3], ["😡", "收到"], Scan(), NEGATORS),
    ]
    batch = scorer.batch(strings, [p.words for p in texts], [p.other for p in texts])
    for parts, scores in zip(texts, batch.scores, strict=True):
        assert abs(scores[HEADS.index("buyer")] - buyer.score(flatten(parts))) < 1e-9
        assert abs(scores[HEADS.index("polarity")] - polarity.score(flatten(parts))) < 1e-9
        assert scores[HEADS.index("service")] == 0.0
    assert abs(buyer.score(flatten(texts[0])) - (-1.0 + 2 * 1.5 + 2 * 0.5 - 0.1)) < 1e-9  # repeats count again
    assert buyer.rule_score(["rbuyer", "rnews"]) == 2.0
    evidence = batch.tops("polarity", [0, -1, 0, 0])
    assert evidence == [[], ["不…好", "[怒]"], [], []]
    for i, parts in enumerate(texts):  # a head's evidence read from the batch, as from the features
        assert batch.top(i, buyer, HEADS.index("buyer"), ["rbuyer"]) == buyer.top([*flatten(parts), "rbuyer"])


def test_presence_heads_count_a_feature_once_per_text_in_batch_and_alone() -> None:
    weights = {"w收到": 1.5, "c收到": 0.5, "w了": 0.25, "l0": -0.1}
    counting = _head(weights, bias=-1.0)
    presence = Head(LinearModel(weights, -1.0), 0.0, presence=True)
    scorer = Scorer(Heads(counting, presence, None, None, None))  # one head of each kind in one table
    strings = ["收到了收到", "了", "收到收到收到收到"]
    texts = [
        feature_parts(strings[0], ["收到", "了", "收到"], Scan(), NEGATORS),
        feature_parts(strings[1], ["了"], Scan(), NEGATORS),
        feature_parts(strings[2], ["收到"] * 4, Scan(), NEGATORS),
    ]
    batch = scorer.batch(strings, [p.words for p in texts], [p.other for p in texts])
    for parts, scores in zip(texts, batch.scores, strict=True):
        assert abs(scores[HEADS.index("buyer")] - counting.score(flatten(parts))) < 1e-9
        assert abs(scores[HEADS.index("service")] - presence.score(flatten(parts))) < 1e-9
    assert abs(presence.score(flatten(texts[2])) - (-1.0 + 1.5 + 0.5 - 0.1)) < 1e-9  # four times counts once
    assert abs(counting.score(flatten(texts[2])) - (-1.0 + 4 * 1.5 + 4 * 0.5 - 0.1)) < 1e-9


def test_combine_lets_the_head_decide_and_explains_it() -> None:
    rule = Decision(True, 3.0, ["收到"], "logistics", "normal")
    head = _head({}, threshold=0.5)
    assert combine(rule, None, -9.0, list) is rule
    assert combine(rule, head, 0.1, list) is NOTHING
    kept = combine(rule, head, 0.9, lambda: ["x"])
    assert kept.evidence == ["收到"] and kept.category == "logistics" and kept.score == 0.9
    learned = combine(NOTHING, head, 0.9, lambda: ["没送"])
    assert learned.value and learned.evidence == ["没送"]


def test_three_class_sentiment() -> None:
    opinion, polarity = _head({}, threshold=0.0), _head({}, threshold=0.0)
    scores = [0.0] * len(HEADS)
    o, p = HEADS.index("opinion"), HEADS.index("polarity")
    scores[o], scores[p] = -1.0, 3.0
    assert decide_sentiment(opinion, polarity, scores, lambda s: ["x"]).label == "neutral"
    scores[o] = 1.0
    positive = decide_sentiment(opinion, polarity, scores, lambda s: ["up" if s > 0 else "down"])
    assert positive.label == "positive" and positive.evidence == ["up"] and positive.score > 0.9
    scores[p] = -3.0
    assert decide_sentiment(opinion, polarity, scores, lambda s: []).label == "negative"


def test_bootstrap_intervals() -> None:
    predicted = [True] * 40 + [False] * 60
    gold = [True] * 30 + [False] * 10 + [True] * 10 + [False] * 50
    ci = binary_intervals(predicted, gold, draws=500)
    assert ci == binary_intervals(predicted, gold, draws=500)  # seeded: reproducible
    lo, hi = ci["precision"]
    assert lo < 0.75 < hi and hi - lo < 0.4
    lo, hi = ci["recall"]
    assert lo < 0.75 < hi
    assert binary_intervals([], []) == {"precision": (1.0, 1.0), "recall": (1.0, 1.0), "f1": (1.0, 1.0)}
    assert accuracy_interval([True] * 10) == (1.0, 1.0)
    lo, hi = accuracy_interval([True, False] * 50)
    assert lo < 0.5 < hi
