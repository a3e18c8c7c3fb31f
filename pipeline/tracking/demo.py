"""The demo's campaign: tracked links on a few demo posts, and clicks, visits and orders for them.

After the bundled stream is stored, :func:`run_campaign` picks the own brand's most engaging posts,
makes one link per post for the campaign :data:`CAMPAIGN`, each with a fixed code (a second demo
run finds them), generates clicks, page views and orders that follow the posts (fixed seed: a
second run sends the same events, which replace themselves), sends them through Kafka to the
worker and returns the campaign's funnel.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, timedelta
from typing import Any

from pipeline.config import Settings
from pipeline.kafka.producer import make_producer
from pipeline.kafka.topics import Topics
from pipeline.storage import ClickHouse
from pipeline.storage.access import RunBlocking
from pipeline.tracking.funnel import funnel
from pipeline.tracking.links import create_link
from pipeline.tracking.produce import TrackingEvent, send_events
from pipeline.tracking.synthetic import TrackingStream, generate_tracking
from schemas.tracking import LinkIn

log = logging.getLogger(__name__)

CAMPAIGN = "蒙牛夏日挑战"
POSTS = 4
SEED = 618
LANDING = "https://shop.example.com/campaign"


def _posts(ch: ClickHouse) -> list[dict[str, Any]]:
    return ch.query(
        "SELECT event_id, platform, author_id, created_at FROM mentions FINAL "
        "WHERE kind IN ('post', 'article') AND own_brand = 1 "
        "ORDER BY reposts + comments + likes DESC, event_id LIMIT %(n)s", {"n": POSTS})


def prepare(ch: ClickHouse) -> tuple[str, TrackingStream, list[str]]:
    """The campaign's name, its events and its codes (links made if missing)."""
    posts = _posts(ch)
    name = CAMPAIGN
    codes = [create_link(ch, LinkIn(url=f"{LANDING}?p={i}", campaign=name, post=str(p["event_id"]),
                                    platform=str(p["platform"]), account=str(p["author_id"])),
                         "demo", code=f"demo{i + 1:04d}").code for i, p in enumerate(posts)]
    start = min(p["created_at"] for p in posts)
    start = start if start.tzinfo else start.replace(tzinfo=UTC)  # chDB answers naive UTC times
    stream = generate_tracking(codes, clicks=800, views=400, orders=40, stale_orders=1, bot_clicks=15,
                               now=start + timedelta(days=2), days=2.0, seed=SEED)
    return name, stream, codes


def _stored(ch: ClickHouse, codes: list[str]) -> tuple[int, int, int]:
    row = ch.query(
        "SELECT (SELECT count() FROM clicks FINAL WHERE code IN %(codes)s) AS c, "
        "(SELECT count() FROM visits FINAL WHERE code IN %(codes)s) AS v, "
        "(SELECT count() FROM conversions FINAL WHERE order_id LIKE 'demo-618-%%') AS o", {"codes": tuple(codes)})[0]
    return int(row["c"]), int(row["v"]), int(row["o"])


async def run_campaign(settings: Settings, bootstrap: str, ch: ClickHouse, run_blocking: RunBlocking,
                       timeout: float = 120.0) -> dict[str, Any]:
    """Send the demo campaign's events, wait until they are stored, return its funnel (empty when no post)."""
    if not await run_blocking(_posts, ch):
        return {}
    name, stream, codes = await run_blocking(prepare, ch)
    events: list[TrackingEvent] = [*stream.clicks, *stream.visits, *stream.conversions]

    def send() -> None:
        producer = make_producer(bootstrap, kafka=settings.kafka)
        try:
            send_events(producer, Topics.from_settings(settings), events)
        finally:
            producer.close()

    await asyncio.to_thread(send)
    want = (len(stream.clicks), len(stream.visits), len(stream.conversions))
    deadline = time.monotonic() + timeout
    while (got := await run_blocking(_stored, ch, codes)) != want and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    if got != want:
        log.error("demo campaign: stored %s of %s clicks, beacons and orders after %.0f s", got, want, timeout)
    days = settings.tracking.attribution_days
    rows = await run_blocking(funnel, ch, by="campaign", campaign=name, days=days)
    posts = await run_blocking(funnel, ch, by="post", campaign=name, days=days)
    participants = await run_blocking(ch.query, "SELECT sum(participants) AS n FROM campaign_participants "
                                      "WHERE campaign = %(c)s", {"c": name})
    return {"campaign": name, "links": len(codes), "participants": int(participants[0]["n"] or 0),
            "funnel": rows[0].model_dump() if rows else {}, "by_post": [r.model_dump() for r in posts],
            "stored": got == want}
