"""A saved search filters the live stream: the query's semantics on a live mention."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.monitor.models import LiveMention
from pipeline.search.parse import parse
from pipeline.web.routes_saved import live_matches


def _mention(text: str, **values: object) -> LiveMention:
    base: dict[str, object] = {
        "event_id": "weibo:1", "platform": "weibo", "kind": "post", "author_id": "u1", "author_name": "小王",
        "author_followers": 3, "text": text, "created_at": datetime(2026, 12, 1, tzinfo=UTC), "received_at": 0.0,
        "brands": ["蒙牛"], "competitors": [], "signals": ["service_request", "negative"], "sentiment": "negative",
        "sentiment_score": 0.1, "keywords": ["退款"], "buyer": False, "service_request": True,
        "purchase_intent": False, "repost_depth": 0}
    base.update(values)
    return LiveMention.model_validate(base)


def test_words_fields_and_normalisation_on_a_live_mention() -> None:
    m = _mention("特侖蘇喝出異味，申請退款　ＡＢＣ")
    assert live_matches(parse('特仑苏 "申请退款" brand:蒙牛 signal:service_request abc'), m)
    assert live_matches(parse("退款 -platform:wechat"), m)
    assert not live_matches(parse("退款 AND NOT sentiment:negative"), m)
    assert not live_matches(parse("author:小李 OR kind:comment"), m)
