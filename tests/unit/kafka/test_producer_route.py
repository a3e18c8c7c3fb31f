"""Routing of replayed lines: thread key and topic, even for lines that will be dead-lettered."""

from __future__ import annotations

from pipeline.config import KafkaSettings, Settings
from pipeline.kafka.producer import route
from pipeline.kafka.topics import Topics

TOPICS = Topics.from_settings(Settings(kafka=KafkaSettings(topic_prefix="x.")))


def test_comment_goes_to_comments_keyed_by_root() -> None:
    line = b'{"id": "weibo:2", "kind": "comment", "root_id": "weibo:1", "parent_id": "weibo:1"}'
    assert route(line, TOPICS) == ("x.comments", b"weibo:1")


def test_root_post_keyed_by_its_own_id() -> None:
    assert route(b'{"id": "qq:9", "kind": "post"}', TOPICS) == ("x.posts", b"qq:9")


def test_garbage_still_routed_for_dead_lettering() -> None:
    assert route(b"{broken", TOPICS) == ("x.posts", None)
    assert route(b'"a string"', TOPICS) == ("x.posts", None)
    assert route(b'{"id": 5, "kind": 3}', TOPICS) == ("x.posts", None)


def test_unpack_splits_packed_messages_and_keeps_position() -> None:
    from pipeline.decode import unpack
    from pipeline.records import RawRecord

    packed = RawRecord("x.posts", 2, 40, b'{"a": 1}\n\n{"b": 2}\n')
    single = RawRecord("x.posts", 2, 41, b'{"c": 3}')
    out = unpack([packed, single])
    assert [r.value for r in out] == [b'{"a": 1}', b'{"b": 2}', b'{"c": 3}']
    assert [(r.partition, r.offset) for r in out] == [(2, 40), (2, 40), (2, 41)]

