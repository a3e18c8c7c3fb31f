"""The live topic's messages: what a worker sends after a write, and what a web process makes of it."""

from __future__ import annotations

import orjson

from pipeline.hub import Hub
from pipeline.monitor import live_topic
from pipeline.monitor.live import LiveFeed, live_mention
from pipeline.monitor.models import MentionFilter
from tests.unit.monitor.test_live_feed import _items


def test_a_batch_round_trips_through_the_topic_and_counts_once() -> None:
    items = _items()
    now = 1_717_400_000.0
    messages = live_topic.encode(items, now)
    assert len(messages) == 1
    mentions = live_topic.decode(messages[0])
    assert mentions == [live_mention(item, now) for item in items], "the topic carries the live form, field for field"
    assert mentions[0].received_at == now and mentions[0].brands == items[0].analysis.brands

    feed = LiveFeed(Hub(), buffer=10, counter_minutes=5)
    queue = feed.hub.subscribe()
    assert feed.publish_live(mentions) == len(items)
    assert feed.publish_batch(items, now) == 0, "a mention seen on the topic and stored here counts once"
    assert queue.qsize() == len(items)
    assert [m.event_id for m in feed.recent(MentionFilter(), 10)] == [m.event_id for m in mentions]
    counts = feed.counters(MentionFilter(), now=now)
    assert sum(c.mentions for c in counts) == len(items)


def test_big_batches_are_split_and_bad_lines_skipped() -> None:
    items = _items() * 200  # 800 mentions
    messages = live_topic.encode(items, 1.0)
    assert len(messages) == -(-len(items) // live_topic.PER_MESSAGE)
    assert sum(len(live_topic.decode(m)) for m in messages) == len(items)
    good = messages[0].split(b"\n")[0]
    assert len(live_topic.decode(b"\n".join([b"{not json", good, b'{"event_id": 5}', b""]))) == 1


def test_case_changes_are_checked_and_own_ones_skipped() -> None:
    change = {"type": "claim", "case": {"case_id": "0000000000000000-1", "assignee": "li.na"}}
    assert live_topic.decode_case(live_topic.encode_case(change)) == change
    assert live_topic.decode_case(b'{"type": 1}') is None and live_topic.decode_case(b"[") is None
    got: list[dict[str, object]] = []
    reader = live_topic.LiveTopicReader("127.0.0.1:9", "t.live", lambda ms: None, deliver_case=got.append)
    reader._take(b"c:someone-else", orjson.dumps(change))
    reader._take(live_topic.CASE_KEY, orjson.dumps(change))  # this process's own change: already shown here
    assert got == [change]
