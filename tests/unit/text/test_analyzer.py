"""The public interface the rest of the project codes against."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pipeline.text import SIGNALS, Analysis, TextAnalyzer, get_analyzer
from pipeline.text.fingerprint import text_hash
from tests.unit.text._support import DEV_LEXICON, analyzer

RECORD_KEYS = {
    "id",
    "buyer",
    "service_request",
    "service_category",
    "priority",
    "brands",
    "competitors",
    "purchase_intent",
    "sentiment",
    "evidence",
}
EVIDENCE_KEYS = {"buyer", "service_request", "brands", "purchase_intent", "sentiment"}


def test_analysis_fields_of_a_weibo_repost() -> None:
    a = analyzer().analyze("京东买的特仑苏收到了，盒子都压扁了，要退货！[怒] http://t.cn/zWRbr1N //@蒙牛乳业:新品上市")
    assert isinstance(a, Analysis)
    assert dataclasses.is_dataclass(a) and not hasattr(a, "__dict__")  # slots
    assert a.own_text.startswith("京东买的特仑苏收到了") and "新品上市" not in a.own_text
    assert a.repost_chain == ["蒙牛乳业"]
    assert a.urls == ["http://t.cn/zWRbr1N"] and a.emoticons == ["[怒]"]
    assert a.buyer and a.service_request and a.service_category == "return_exchange"
    assert a.priority == "high"  # an angry emoticon
    assert a.brands == ["京东", "蒙牛"] and a.competitors == ["京东"] and a.own_brand
    assert a.sentiment == "negative" and -1.0 <= a.sentiment_score < 0
    assert "特仑苏" in a.tokens and "," not in a.tokens
    assert 0 < len(a.keywords) <= 5
    assert set(a.evidence) == EVIDENCE_KEYS
    assert a.text_hash == text_hash(a.own_text) != 0  # the fingerprint of the own text, not of the chain


def test_copied_texts_share_a_fingerprint_short_ones_have_none() -> None:
    a, b, c, short = analyzer().analyze_batch(
        ["一模一样的水军文案来了//@甲:转发", "一模一样的 水军文案来了", "另一条完全不同的文案内容", "转发微博"]
    )
    assert a.text_hash == b.text_hash != c.text_hash
    assert short.text_hash == 0 and c.text_hash != 0


def test_classify_record_has_exactly_the_documented_keys() -> None:
    record = analyzer().analyze("十号就下的单怎么现在还没发货啊").classify_record("weibo:1")
    assert set(record) == RECORD_KEYS
    assert record["id"] == "weibo:1"
    assert set(record["evidence"]) == EVIDENCE_KEYS
    assert record["service_category"] == "logistics"


def test_signals_are_named_and_ordered() -> None:
    a = analyzer().analyze("求推荐，诺基亚和三星哪个好？")
    assert a.signals == [s for s in SIGNALS if s in a.signals]
    assert "purchase_intent" in a.signals and "competitor_mention" in a.signals
    assert sum(s in a.signals for s in ("positive", "negative", "neutral")) == 1


def test_batch_equals_one_at_a_time() -> None:
    texts = ["货已收到，物流速度很快", "", "苹果很甜", "想买个诺基亚", "求推荐"]
    batch = analyzer().analyze_batch(texts)
    assert [a.classify_record("x") for a in batch] == [analyzer().analyze(t).classify_record("x") for t in texts]


def test_title_is_read_with_the_text() -> None:
    assert not analyzer().analyze("今天又到了").buyer
    assert analyzer().analyze("今天又到了", title="第二次买特仑苏").buyer


def test_get_analyzer_caches_per_path() -> None:
    first = get_analyzer(DEV_LEXICON)
    assert isinstance(first, TextAnalyzer)
    assert get_analyzer(Path(str(DEV_LEXICON))) is first
    assert first.backend == "rjieba"


def test_analysis_survives_the_trip_from_the_analysis_process() -> None:
    import pickle

    batch = analyzer().analyze_batch(["京东买的特仑苏收到了，盒子都压扁了，要退货！[怒]", "伊利和蒙牛哪个好喝？"])
    back = pickle.loads(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == batch
    assert [dataclasses.asdict(a) for a in back] == [dataclasses.asdict(a) for a in batch]
    assert back[0].buyer and back[0].service_request and back[0].evidence
