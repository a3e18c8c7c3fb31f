"""Event ids in each platform's style, unique within a stream.

Every invented id is a bijective function of the stream's sequence number, so ids never repeat.
Real CED mids (base62 such as ``z8u7neKFm``) are used on a corpus item's first pass; invented
Weibo ids are 16-digit numeric mids and cannot collide with them.
"""

from __future__ import annotations

from collections.abc import Callable

_MASK64 = (1 << 64) - 1
_MASK96 = (1 << 96) - 1
_GOLDEN = 0x9E3779B97F4A7C15  # odd: x -> x * _GOLDEN + _OFFSET is a bijection modulo 2**k
_OFFSET = 0x5D0C3A1B7E2F4968A3C1

IdFormat = Callable[[int, float], str]
"""(sequence number, event time) -> ``<platform>:<native id>``."""


def _qq(seq: int, ts: float) -> str:
    return f"qq:{(seq * _GOLDEN + _OFFSET) & _MASK96:024x}"


def _xiaohongshu(seq: int, ts: float) -> str:
    # like a MongoDB ObjectId: 4 bytes of time, then 8 bytes unique to the sequence number
    return f"xiaohongshu:{int(ts) & 0xFFFFFFFF:08x}{(seq * _GOLDEN + _OFFSET) & _MASK64:016x}"


ROOT_IDS: dict[str, IdFormat] = {
    "weibo": lambda seq, ts: f"weibo:{4_900_000_000_000_000 + seq}",
    "wechat": lambda seq, ts: f"wechat:2247{seq:09d}_1",
    "tieba": lambda seq, ts: f"tieba:{8_000_000_000 + seq}",
    "qq": _qq,
    "xiaohongshu": _xiaohongshu,
}
"""Id formats of posts, articles and threads."""

REPLY_IDS: dict[str, IdFormat] = {
    "weibo": ROOT_IDS["weibo"],
    "wechat": lambda seq, ts: f"wechat:c{7_000_000_000_000 + seq}",
    "tieba": lambda seq, ts: f"tieba:{140_000_000_000 + seq}",
    "qq": _qq,
    "xiaohongshu": _xiaohongshu,
}
"""Id formats of comments and reposts."""


def event_id(platform: str, root: bool, seq: int, ts: float) -> str:
    """The event id ``<platform>:<native id>`` for sequence number ``seq``."""
    try:
        return (ROOT_IDS if root else REPLY_IDS)[platform](seq, ts)
    except KeyError:
        raise ValueError(f"unknown platform {platform!r}") from None
