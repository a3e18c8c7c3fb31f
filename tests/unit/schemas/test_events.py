"""Event schema: what producers may send and the errors they get."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from schemas import SocialEvent, event_json_schema


def event(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "weibo:4490012345",
        "platform": "weibo",
        "kind": "repost",
        "root_id": "weibo:4490000001",
        "parent_id": "weibo:4490000777",
        "author": {"id": "1812711584", "name": "小王", "verified": True, "verified_type": "personal", "followers": 120},
        "text": "已经回购第三次了//@蒙牛乳业:新品上市",
        "created_at": "2024-05-01T12:00:00+08:00",
        "engagement": {"reposts": 0, "comments": 2, "likes": 5},
    }
    base.update(overrides)
    return base


def test_valid_repost_round_trips_with_utc_time_and_thread_key() -> None:
    ev = SocialEvent.model_validate_json(json.dumps(event()))
    assert ev.created_at.isoformat() == "2024-05-01T04:00:00+00:00"
    assert ev.thread_id == "weibo:4490000001"
    assert ev.native_id == "4490012345"
    again = SocialEvent.model_validate_json(ev.model_dump_json())
    assert again == ev


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"platform": "douyin"}, "platform", "unknown platform"),
        ({"text": "   "}, "text", "empty"),
        ({"text": "坏\x00了"}, "text", "control characters"),
        ({"id": "wechat:1"}, "", "must start with 'weibo:'"),
        ({"id": "weibo 1"}, "", "must look like"),
        ({"id": "weibo:1\n"}, "", "must look like"),  # no trailing newline slips through
        ({"root_id": "wechat:9"}, "", "must start with 'weibo:'"),
        ({"author": {"id": "u", "name": "名" * 201}}, "author.name", "at most 200"),
        ({"title": "题" * 501}, "title", "at most 500"),
        ({"author": {"id": "u", "name": "坏\x07名"}}, "author.name", "control characters"),
        ({"author": {"id": "u", "created_at": "2020-01-01T00:00:00"}}, "author.created_at", "timezone"),
        ({"parent_id": None}, "", "needs parent_id"),
        ({"root_id": None}, "", "root_id is required"),
        ({"created_at": "2024-05-01 12:00"}, "created_at", "timezone"),
        ({"created_at": "yesterday"}, "created_at", "ISO-8601"),
        ({"engagement": {"likes": -1}}, "engagement.likes", "greater than or equal"),
        ({"author": {"id": "u", "followers": "many"}}, "author.followers", "integer"),
        ({"surprise": 1}, "surprise", "Extra inputs"),
        ({"text": "x" * 20001}, "text", "at most 20000"),
    ],
)
def test_invalid_events_name_the_field(overrides: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        SocialEvent.model_validate_json(json.dumps(event(**overrides)))
    message = str(info.value)
    assert words in message
    if field:
        assert field in message


def test_missing_author_is_reported() -> None:
    data = event()
    del data["author"]
    with pytest.raises(ValidationError, match="author"):
        SocialEvent.model_validate_json(json.dumps(data))


def test_json_schema_lists_required_fields_and_platforms() -> None:
    schema = event_json_schema()
    assert {"id", "platform", "author", "text", "created_at"} <= set(schema["required"])
    platforms = schema["$defs"]["Platform"]["enum"]
    assert platforms == ["weibo", "wechat", "tieba", "qq", "xiaohongshu"]
