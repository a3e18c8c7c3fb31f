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
        item.event = item.event.model_copy(update={"id": f"weibo:{100 + n}"})
    assert feed.publish_batch(first, 60.0) == 4 and feed.publish_batch(again, 60.0) == 4
    counted = list(feed._counted)
    for a, b in zip(counted[:4], counted[4:], strict=True):
        assert a == b
        assert a.signals is b.signals and a.brands is b.brands and a.competitors is b.competitors
    assert counted[0].brands == ("蒙牛",) and counted[2].brands == ()
    assert feed.counters(MentionFilter(brand="蒙牛"), 60.0)[-1].mentions == 4
