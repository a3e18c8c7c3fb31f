"""Generated clicks, visits and orders for tracked links: the demo's campaign and the tests' streams.

Consistent with the links: every visit follows a click of its visitor on its code, every attributed
order follows a visit of its visitor within the attribution window. ``stale_orders`` orders come from
visitors whose only click is older than the window, so they stay unattributed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from schemas.tracking import ClickEvent, ConversionEvent, UaClass, VisitEvent, VisitKind

CLASSES = (UaClass.wechat, UaClass.weibo, UaClass.mobile, UaClass.mobile, UaClass.desktop, UaClass.tablet)


@dataclass
class TrackingStream:
    """What :func:`generate_tracking` made."""

    clicks: list[ClickEvent] = field(default_factory=list)
    visits: list[VisitEvent] = field(default_factory=list)
    conversions: list[ConversionEvent] = field(default_factory=list)


def _visitor(rng: random.Random) -> str:
    return f"v{rng.getrandbits(64):016x}"


def _click(rng: random.Random, code: str, visitor: str, at: datetime, bot: bool = False) -> ClickEvent:
    return ClickEvent(click_id=f"{rng.getrandbits(128):032x}", code=code, clicked_at=at,
                      referrer=rng.choice(("weibo.com", "mp.weixin.qq.com", "")),
                      ua_class=UaClass.bot if bot else rng.choice(CLASSES), visitor_id=visitor,
                      ip_hash=f"{rng.getrandbits(64):016x}", bot=bot)


def _view(rng: random.Random, click: ClickEvent, dwell_ms: int) -> list[VisitEvent]:
    view_id = f"p{rng.getrandbits(64):016x}"
    start = click.clicked_at + timedelta(seconds=rng.randint(1, 20))
    beats = [(VisitKind.pageview, 0), (VisitKind.heartbeat, dwell_ms // 2), (VisitKind.leave, dwell_ms)]
    return [VisitEvent(view_id=view_id, seq=seq, kind=kind, visitor_id=click.visitor_id, code=click.code,
                       at=start + timedelta(milliseconds=ms), dwell_ms=ms, page="/landing", ua_class=click.ua_class)
            for seq, (kind, ms) in enumerate(beats)]


def generate_tracking(
    codes: list[str], *, clicks: int, views: int, orders: int, now: datetime, seed: int = 26,
    stale_orders: int = 0, bot_clicks: int = 0, days: float = 3.0, window_days: int = 7,
) -> TrackingStream:
    """Clicks, page views and orders on ``codes``, in the ``days`` before ``now``.

    ``clicks`` clicks (``bot_clicks`` of them by a bot, ``stale_orders`` older than the window),
    ``views`` page views of visitors who clicked, ``orders`` attributed orders and ``stale_orders``
    unattributed ones.
    """
    rng = random.Random(seed)
    out = TrackingStream()
    span = int(days * 86400)
    visitors = [_visitor(rng) for _ in range(max(1, (clicks - bot_clicks - stale_orders) * 3 // 4))]
    for n in range(clicks - stale_orders):
        bot = n < bot_clicks
        at = now - timedelta(seconds=rng.randint(3600, span))
        out.clicks.append(_click(rng, rng.choice(codes), _visitor(rng) if bot else rng.choice(visitors), at, bot))
    humans = [c for c in out.clicks if not c.bot]
    viewed: list[ClickEvent] = []
    for _ in range(views):
        click = rng.choice(humans)
        viewed.append(click)
        out.visits.extend(_view(rng, click, rng.randint(0, 300) * 1000 + rng.randint(0, 999)))
    for n in range(orders):
        click = viewed[rng.randrange(len(viewed))]
        at = click.clicked_at + timedelta(minutes=rng.randint(5, 600))
        out.conversions.append(ConversionEvent(order_id=f"demo-{seed}-{n:05d}", ordered_at=at,
                                               amount_cents=rng.randint(990, 59900), visitor_id=click.visitor_id,
                                               source="demo"))
    for n in range(stale_orders):
        visitor = _visitor(rng)
        old = _click(rng, rng.choice(codes), visitor, now - timedelta(days=window_days + 3))
        out.clicks.append(old)
        out.conversions.append(ConversionEvent(order_id=f"demo-{seed}-stale-{n:03d}", ordered_at=now,
                                               amount_cents=rng.randint(990, 59900), visitor_id=visitor,
                                               source="demo"))
    return out
