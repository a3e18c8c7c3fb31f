"""Synthetic event streams for the monitoring tests (steady brand chatter, an injected burst)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import orjson

STEADY_TEXTS = (
    "今天早餐喝了一盒特仑苏，口感很醇厚，很喜欢",
    "蒙牛纯牛奶搞活动，超市买一送一",
    "蒙牛的新品酸奶味道还不错，推荐大家试试",
)
STEADY_NEGATIVE = ("蒙牛牛奶喝起来一般般，价格有点贵", "蒙牛这次的牛奶不太好喝，有点失望")
INJECTED_TERMS = ("异物", "变质")
BURST_TEXTS = (
    "刚买的蒙牛牛奶变质了，打开还有异物，太恶心了",
    "蒙牛纯牛奶变质，里面有异物，坚决不再买了",
    "气死了，蒙牛牛奶全部变质，还喝出异物，要求退款",
    "蒙牛你们的牛奶变质还有异物，孩子喝了拉肚子，太差劲了",
)

_ids = itertools.count(1)


def event(text: str, created: datetime, *, prefix: str = "9", author: int | None = None,
          kind: str = "post", root: str | None = None, parent: str | None = None,
          followers: int = 200, posts: int = 300) -> dict:  # type: ignore[type-arg]
    """One valid Weibo event."""
    n = next(_ids)
    uid = str(author if author is not None else 10_000 + n)
    ev = {
        "id": f"weibo:{prefix}{n:09d}", "platform": "weibo", "kind": kind,
        "author": {"id": uid, "name": f"用户{uid}", "followers": followers, "posts": posts},
        "text": text, "created_at": created.astimezone(UTC).isoformat(),
    }
    if root:
        ev["root_id"], ev["parent_id"] = root, parent or root
    return ev


def steady(now: datetime, hours: float = 3.0, seed: int = 1) -> list[bytes]:
    """A mention of 蒙牛 every 2 minutes and a negative one every 6 minutes, up to ``now``."""
    rng = random.Random(seed)
    out = []
    t = now - timedelta(hours=hours)
    step = 0
    while t < now:
        out.append(orjson.dumps(event(rng.choice(STEADY_TEXTS), t, prefix="1")))
        if step % 3 == 0:
            out.append(orjson.dumps(event(rng.choice(STEADY_NEGATIVE), t + timedelta(seconds=20), prefix="2")))
        t += timedelta(minutes=2)
        step += 1
    return out


def burst(now: datetime, n: int = 25) -> list[bytes]:
    """``n`` negative mentions of 蒙牛 naming the injected terms, in the last half minute."""
    return [
        orjson.dumps(event(BURST_TEXTS[i % len(BURST_TEXTS)], now - timedelta(seconds=30 - i), prefix="3"))
        for i in range(n)
    ]
