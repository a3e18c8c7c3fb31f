"""Invalid lines of the kinds real producers send, each rejected by ``SocialEvent.model_validate_json``.

A defect turns a valid event (a dict whose ``author`` is a plain dict) into bytes. Defect kinds
are used in a shuffled rotation, so even a few dozen invalid lines cover every kind.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import orjson

Event = dict[str, Any]
_OTHER_PLATFORMS = ("douyin", "bilibili", "zhihu", "kuaishou", "douban")
_KNOWN_PLATFORMS = ("weibo", "wechat", "tieba", "qq", "xiaohongshu")


def _dump(event: Event) -> bytes:
    raw: bytes = orjson.dumps(event)
    return raw


def _with_text(text: str, rng: random.Random) -> tuple[str, int]:
    """The text and a position inside it."""
    return text, rng.randrange(len(text) + 1)


def broken_json(event: Event, rng: random.Random) -> bytes:
    """Truncated JSON (a cut-off message), or a Python dict repr with single quotes."""
    raw = _dump(event)
    if rng.random() < 0.7:
        return raw[: rng.randrange(1, len(raw) - 1)]
    return repr({k: v for k, v in event.items() if isinstance(v, str | int)}).encode()


def wrong_type(event: Event, rng: random.Random) -> bytes:
    """A field of the wrong JSON type, as sloppy producers write it."""
    choice = rng.randrange(6)
    author = dict(event["author"])
    if choice == 0:
        author["followers"] = f"{author.get('followers', 0) / 10000:.1f}万"
        event["author"] = author
    elif choice == 1:
        event["created_at"] = rng.randrange(1_600_000_000, 1_800_000_000)
    elif choice == 2:
        author["verified"] = "true"
        event["author"] = author
    elif choice == 3:
        event["engagement"] = {**event.get("engagement", {}), "likes": "10+"}
    elif choice == 4:
        event["text"] = [event["text"]]
    else:
        event["urls"] = "http://t.cn/" + "".join(rng.choice("abcdefghXYZ0123") for _ in range(7))
    return _dump(event)


def missing_field(event: Event, rng: random.Random) -> bytes:
    """A required field left out (id, text, author, created_at, platform or the author's id)."""
    field = rng.choice(("id", "text", "author", "created_at", "platform", "author.id"))
    if field == "author.id":
        event["author"] = {k: v for k, v in event["author"].items() if k != "id"}
    else:
        event.pop(field, None)
    return _dump(event)


def unknown_platform(event: Event, rng: random.Random) -> bytes:
    """A platform the pipeline does not know (ids follow it)."""
    platform = rng.choice(_OTHER_PLATFORMS)
    event["platform"] = platform
    for key in ("id", "root_id", "parent_id"):
        if event.get(key):
            event[key] = f"{platform}:{event[key].split(':', 1)[1]}"
    return _dump(event)


def empty_text(event: Event, rng: random.Random) -> bytes:
    """Empty or whitespace-only text (including the ideographic space)."""
    event["text"] = rng.choice(("", " ", "\u3000\u3000", "\n", " \t "))
    return _dump(event)


def oversized_text(event: Event, rng: random.Random) -> bytes:
    """Text longer than the schema's limit (a pasted article or a spam wall)."""
    from schemas.events import MAX_TEXT_CHARS  # imported here: pydantic is slow to import

    base = event["text"] + "\n"
    want = MAX_TEXT_CHARS + 1 + rng.randrange(3000)
    event["text"] = (base * (want // len(base) + 1))[:want]
    return _dump(event)


def control_chars(event: Event, rng: random.Random) -> bytes:
    """A control character inside the text or the author's name."""
    char = rng.choice(("\x00", "\x07", "\x08", "\x0b", "\x1b", "\x7f"))
    if rng.random() < 0.75:
        text, pos = _with_text(event["text"], rng)
        event["text"] = text[:pos] + char + text[pos:]
    else:
        event["author"] = {**event["author"], "name": event["author"].get("name", "") + char}
    return _dump(event)


def invalid_utf8(event: Event, rng: random.Random) -> bytes:
    """Bytes that are not UTF-8 inside the text (a GBK fragment, a lone byte, a cut character)."""
    marker = "\u2603"
    text, pos = _with_text(event["text"], rng)
    event["text"] = text[:pos] + marker + text[pos:]
    bad = rng.choice((b"\xff", b"\xc3\x28", "好".encode("gbk"), "好".encode()[:2], b"\xed\xa0\x80"))
    return _dump(event).replace(marker.encode(), bad, 1)


def lone_surrogate(event: Event, rng: random.Random) -> bytes:
    r"""A JSON ``\ud83d`` escape without its pair (a cut emoji)."""
    marker = "\u2603"
    text, pos = _with_text(event["text"], rng)
    event["text"] = text[:pos] + marker + text[pos:]
    return _dump(event).replace(marker.encode(), b"\\ud83d", 1)


def id_platform_mismatch(event: Event, rng: random.Random) -> bytes:
    """Ids that do not match the platform, lack the prefix, or hold forbidden characters."""
    platform = event["platform"]
    native = event["id"].split(":", 1)[1]
    choice = rng.randrange(4)
    if choice == 0:
        other = rng.choice([p for p in _KNOWN_PLATFORMS if p != platform])
        event["id"] = f"{other}:{native}"
    elif choice == 1:
        event["id"] = native
    elif choice == 2:
        event["id"] = f"{platform}:{native[:4]} {native[4:]}"
    elif event.get("parent_id"):
        other = rng.choice([p for p in _KNOWN_PLATFORMS if p != platform])
        event["parent_id"] = f"{other}:{event['parent_id'].split(':', 1)[1]}"
    else:
        event["id"] = f"{platform}:"
    return _dump(event)


def missing_parent(event: Event, rng: random.Random) -> bytes:
    """A comment or repost without ``parent_id``."""
    event.pop("parent_id", None)
    if event.get("kind") not in ("comment", "repost"):
        event["kind"] = rng.choice(("comment", "repost"))
    return _dump(event)


def naive_time(event: Event, rng: random.Random) -> bytes:
    """A time without a timezone."""
    event["created_at"] = str(event["created_at"])[:19]
    return _dump(event)


def bad_time(event: Event, rng: random.Random) -> bytes:
    """A time as platforms display it, not ISO-8601."""
    event["created_at"] = rng.choice(("昨天 12:30", "3分钟前", "刚刚", "06-17 21:05", "2024-13-45T25:61:00+08:00"))
    return _dump(event)


def unknown_field(event: Event, rng: random.Random) -> bytes:
    """A field the schema does not have (fields scrapers often add)."""
    key, value = rng.choice((("ip_location", "广东"), ("source", "iPhone客户端"), ("lang", "zh"), ("pics", 3)))
    event[key] = value
    return _dump(event)


def negative_count(event: Event, rng: random.Random) -> bytes:
    """A negative count."""
    if rng.random() < 0.5:
        event["engagement"] = {**event.get("engagement", {}), "likes": -rng.randrange(1, 100)}
    else:
        event["author"] = {**event["author"], "followers": -1}
    return _dump(event)


def unknown_enum(event: Event, rng: random.Random) -> bytes:
    """A kind or verified type outside the schema's enums."""
    if rng.random() < 0.5:
        event["kind"] = rng.choice(("retweet", "reply", "share", "note"))
    else:
        event["author"] = {**event["author"], "verified_type": rng.choice(("blue_v", "yellow_v", "vip"))}
    return _dump(event)


def root_is_self(event: Event, rng: random.Random) -> bytes:
    """``root_id`` equal to the event's own id."""
    event["root_id"] = event["id"]
    return _dump(event)


DEFECTS: dict[str, Callable[[Event, random.Random], bytes]] = {
    f.__name__: f
    for f in (
        broken_json,
        wrong_type,
        missing_field,
        unknown_platform,
        empty_text,
        oversized_text,
        control_chars,
        invalid_utf8,
        lone_surrogate,
        id_platform_mismatch,
        missing_parent,
        naive_time,
        bad_time,
        unknown_field,
        negative_count,
        unknown_enum,
        root_is_self,
    )  # fmt: skip
}
"""Every defect kind, by name."""


class Defects:
    """Applies defect kinds in a shuffled rotation (every kind once per round)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._round: list[str] = []
        self.last_kind = ""

    def corrupt(self, event: Event) -> bytes:
        """An invalid line made from ``event`` (which is modified)."""
        if not self._round:
            self._round = sorted(DEFECTS)
            self._rng.shuffle(self._round)
        self.last_kind = self._round.pop()
        return DEFECTS[self.last_kind](event, self._rng)
