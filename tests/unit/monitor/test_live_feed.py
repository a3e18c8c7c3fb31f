"""The live feed: lazy live mentions, replays skipped, filters and counters on the compact records."""

from __future__ import annotations

import asyncio

import orjson

from pipeline.config import Settings
from pipeline.hub import Hub
from pipeline.monitor.live import LiveFeed
from pipeline.monitor.models import LiveMention, MentionFilter
from pipeline.records import RawRecord
from pipeline.text import get_analyzer
from pipeline.worker.enrich import process_batch

TEXTS = ["蒙牛牛奶变质了，要求退款", "伊利的安慕希很好喝", "今天天气不错", "特仑苏回购第三次了，很满意"]


def _items():  # type: ignore[no-untyped-def]
    lines = [
        orjson.dumps({"id": f"weibo:{i}", "platform": "weibo", "author": {"id": str(i)}, "text": t,
                      "created_at": "2024-06-03T10:00:00+08:00"})
        for i, t in enumerate(TEXTS)
    ]
    records = [RawRecord("t", 0, i, v) for i, v in enumerate(lines)]
    result = process_batch(records, get_analyzer(Settings().resolved_lexicon), max_bytes=10**6, max_text_chars=10**4)
    assert len(result.enriched) == len(TEXTS)
    return result.enriched


def test_publish_filters_counts_and_skips_replays() -> None:
    hub = Hub()
    feed = LiveFeed(hub, buffer=10, counter_minutes=5)
    items = _items()
    now = 1_717_400_000.0
    assert feed.publish_batch(items, now) == 4
    assert feed.publish_batch(items[:2], now + 1) == 0  # a replayed batch publishes nothing new

    everything = feed.recent(MentionFilter(), 10)
    assert [m.event_id for m in everything] == [f"weibo:{i}" for i in range(4)]
    assert all(isinstance(m, LiveMention) and m.received_at == now for m in everything)
    mengniu = feed.recent(MentionFilter(brand="蒙牛"), 10)
    assert [m.event_id for m in mengniu] == ["weibo:0", "weibo:3"]
    assert [m.event_id for m in feed.recent(MentionFilter(), 2)] == ["weibo:2", "weibo:3"]  # the newest two

    minute = feed.counters(MentionFilter(), now)[-1]
    assert minute.mentions == 4 and minute.service_requests == 1 and minute.negative >= 1
    assert feed.counters(MentionFilter(competitor="伊利"), now)[-1].mentions == 1


def test_subscribers_get_live_mentions_only_while_connected() -> None:
    async def run() -> None:
        hub = Hub()
        feed = LiveFeed(hub)
        items = _items()
        feed.publish_batch(items[:1], 1.0)  # nobody watching: nothing built for the hub
        queue = hub.subscribe()
        feed.publish_batch(items[1:], 2.0)
        got = [queue.get_nowait() for _ in range(queue.qsize())]
        assert [m.event_id for m in got] == ["weibo:1", "weibo:2", "weibo:3"]
        assert "伊利" in got[0].competitors and got[0].text == TEXTS[1]

    asyncio.run(run())


def test_counted_mentions_share_their_value_tuples() -> None:
    import copy

    feed = LiveFeed(Hub(), buffer=100)
    first = _items()
    again = [copy.deepcopy(item) for item in first]  # equal values in other objects, as the next batch brings
    for n, item in enumerate(again):
        item.event.id = f"weibo:{100 + n}"
    assert feed.publish_batch(first, 60.0) == 4 and feed.publish_batch(again, 60.0) == 4
    counted = feed._counted[60]  # equal values of the two batches counted under one key
    assert sum(counted.values()) == 8 and len(counted) < 8 and set(counted.values()) >= {2}
    recent = [seen for seen, _ in feed._recent]
    for a, b in zip(recent[:4], recent[4:], strict=True):
        assert a == b
        assert a.signals is b.signals and a.brands is b.brands and a.competitors is b.competitors
    assert recent[0].brands == ("蒙牛",) and recent[2].brands == ()
    assert feed.counters(MentionFilter(brand="蒙牛"), 60.0)[-1].mentions == 4


def _live(i: int, received_at: float = 600.0, brands: tuple[str, ...] = ("蒙牛",)) -> LiveMention:
    return LiveMention.model_construct(
        event_id=f"weibo:{i}", platform="weibo", kind="post", author_id=str(i), author_name="", author_followers=0,
        text="", created_at=None, received_at=received_at, brands=list(brands), competitors=[], signals=["neutral"],
        sentiment="neutral", sentiment_score=0.0, keywords=[], buyer=False, service_request=False,
        purchase_intent=False, repost_depth=0,
    )


def test_recent_mentions_and_remembered_ids_at_their_bounds() -> None:
    feed = LiveFeed(Hub(), buffer=5)  # remembers 4 x 5 = 20 ids for replays
    assert feed.publish_live([_live(i) for i in range(20)]) == 20
    assert feed.publish_live([_live(i) for i in range(20)]) == 0  # every one a replay
    assert feed.publish_live([_live(20)]) == 1  # the oldest id (0) is forgotten, no other
    assert feed.publish_live([_live(1)]) == 0
    assert len(feed._ids) == len(feed._id_set) == 20 and set(feed._ids) == feed._id_set
    assert feed.publish_live([_live(0)]) == 1  # beyond the window a replay counts again
    assert set(feed._ids) == feed._id_set and len(feed._id_set) == 20
    assert [m.event_id for m in feed.recent(MentionFilter(), 100)] == [f"weibo:{i}" for i in (17, 18, 19, 20, 0)]


def test_counters_hold_combinations_not_mentions_and_drop_the_oldest_minute_at_their_cap(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pipeline.monitor import live

    monkeypatch.setattr(live, "COUNTER_CAP", 50)
    feed = LiveFeed(Hub(), buffer=10, counter_minutes=5)
    feed.publish_live([_live(i, received_at=540.0, brands=("蒙牛",)) for i in range(1000)])  # one combination
    feed.publish_live([_live(i, received_at=600.0, brands=(f"品牌{i}",)) for i in range(1000, 1030)])
    assert feed._combinations == 31
    counts = [c.mentions for c in feed.counters(MentionFilter(), now=700.0)]
    assert counts[-3:] == [1000, 30, 0]
    feed.publish_live([_live(i, received_at=660.0, brands=(f"品牌{i}",)) for i in range(1030, 1050)])
    counts = [c.mentions for c in feed.counters(MentionFilter(), now=700.0)]
    assert counts[-3:] == [0, 30, 20] and feed._combinations == 50  # minute 540 went at the 51st
    assert list(feed._counted) == [600, 660]


def test_counters_forget_minutes_older_than_they_show() -> None:
    feed = LiveFeed(Hub(), buffer=10, counter_minutes=5)  # minutes shown at 900: 660 ... 900
    feed.publish_live([_live(1, received_at=600.0)])
    feed.publish_live([_live(2, received_at=900.0)])  # minute 600 kept: one minute of slack
    assert list(feed._counted) == [600, 900]
    feed.publish_live([_live(3, received_at=960.0)])
    assert list(feed._counted) == [900, 960] and feed._combinations == 2
    assert [c.mentions for c in feed.counters(MentionFilter(), now=960.0)] == [0, 0, 0, 1, 1]


def test_shared_value_tuples_start_over_at_their_bound_without_changing_a_counted_value() -> None:
    from pipeline.monitor.live import _SHARED_MAX, _Shared

    shared = _Shared()
    held = [shared([f"品牌{i}"]) for i in range(_SHARED_MAX)]
    assert len(shared) == _SHARED_MAX and shared(["品牌0"]) is held[0]
    assert shared(["新品牌"]) == ("新品牌",) and len(shared) == 1  # started over
    assert [t[0] for t in held] == [f"品牌{i}" for i in range(_SHARED_MAX)]
    assert shared(["品牌0"]) == held[0]  # equal values again, a new shared tuple


def test_counters_filter_alike_across_the_shared_tuples_starting_over(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pipeline.monitor import live

    monkeypatch.setattr(live, "_SHARED_MAX", 3)
    feed = LiveFeed(Hub(), buffer=100, counter_minutes=5)
    brands = [("蒙牛",), ("伊利",), ("蒙牛", "伊利"), ("光明",), ("蒙牛",)]  # the table starts over on the 4th
    feed.publish_live([_live(i, brands=b) for i, b in enumerate(brands)])
    assert feed.counters(MentionFilter(brand="蒙牛"), now=600.0)[-1].mentions == 3
    assert [m.brands for m in feed.recent(MentionFilter(brand="伊利"), 10)] == [["伊利"], ["蒙牛", "伊利"]]


def test_the_compact_record_has_exactly_the_fields_of_a_live_mention() -> None:
    """Recent mentions are kept as tuples and rebuilt with ``model_construct`` (no validation): same fields."""
    from pipeline.monitor.live import _Kept

    assert _Kept._fields == tuple(LiveMention.model_fields)
