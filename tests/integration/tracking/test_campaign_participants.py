"""Campaign views on both backends: participants (distinct authors, unchanged by replays) and the reads of posts."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import pytest

from pipeline.storage import ClickHouse
from pipeline.storage.tables import MENTION_COLUMNS
from pipeline.tracking import funnel as funnel_module
from pipeline.tracking.links import create_link
from schemas.tracking import LinkIn
from tests.integration.storage.rows import Row, mention, tuples
from tests.integration.tracking.funnel_data import CAMPAIGN, make_links

pytestmark = pytest.mark.integration

PLATFORMS = ("weibo", "wechat")
SEGMENTS = ("none", "personal", "enterprise")


def mentions(codes: list[str], rnd: random.Random) -> list[Row]:
    """Authors who name the campaign (field or hashtag), carry a tracked link, or neither."""
    rows = []
    for i in range(120):
        how = rnd.choice(("field", "hashtag", "link", "other tag", "unknown link", "none"))
        values: dict[str, Any] = {
            "platform": rnd.choice(PLATFORMS), "author_verified_type": rnd.choice(SEGMENTS),
            "author_id": f"a{rnd.randrange(40)}",  # authors post more than once
        }
        if how == "field":
            values["campaign"] = CAMPAIGN
        elif how == "hashtag":
            values["hashtags"] = ["好物", CAMPAIGN]
        elif how == "link":
            values["urls"] = [f"https://t.example.com/l/{rnd.choice(codes)}"]
        elif how == "other tag":
            values["hashtags"] = ["好物"]
        elif how == "unknown link":
            values["urls"] = ["https://t.example.com/l/zzzzzzzz"]
        rows.append(mention(f"weibo:{5000 + i}", **values))
    return rows


def expected(rows: list[Row], codes: list[str]) -> dict[tuple[str, str, str], int]:
    authors: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for r in rows:
        linked = any(u.rsplit("/l/", 1)[-1] in codes for u in r["urls"])
        if r["campaign"] == CAMPAIGN or CAMPAIGN in r["hashtags"] or linked:
            authors[(CAMPAIGN, r["platform"], r["author_verified_type"])].add(r["author_id"])
    return {k: len(v) for k, v in authors.items()}


def participants(ch: ClickHouse) -> dict[tuple[str, str, str], int]:
    rows = ch.query("SELECT campaign, platform, segment, participants FROM campaign_participants")
    return {(r["campaign"], r["platform"], r["segment"]): int(r["participants"]) for r in rows}


def test_participants_are_distinct_authors_and_replays_change_nothing(ch: ClickHouse) -> None:
    codes = make_links(ch)
    rnd = random.Random(7)
    rows = mentions(codes, rnd)
    want = expected(rows, codes)
    assert len(want) >= 4 and sum(want.values()) < sum(1 for r in rows if r["campaign"] or r["urls"])  # repeats
    ch.insert("mentions", MENTION_COLUMNS, tuples(rows))
    assert participants(ch) == want
    for version in (2, 3):  # replays: the same mentions again, in other batches
        again = [dict(r, version=version) for r in rows]
        rnd.shuffle(again)
        for start in range(0, len(again), 25):
            ch.insert("mentions", MENTION_COLUMNS, tuples(again[start:start + 25]))
    assert participants(ch) == want


def test_a_posts_reads_count_for_every_campaign_with_a_link_on_it(ch: ClickHouse) -> None:
    for campaign in ("spring", "summer"):  # two campaigns' links on one post
        create_link(ch, LinkIn(url="https://shop.example.com/p", campaign=campaign, post="weibo:77",
                               platform="weibo", account="kol0"), "test")
    create_link(ch, LinkIn(url="https://shop.example.com/q", campaign="spring", post="weibo:79",
                           platform="weibo", account="kol1"), "test")
    ch.insert("mentions", MENTION_COLUMNS, tuples([
        mention("weibo:77", reads=1000), mention("weibo:78", reads=5), mention("weibo:79", reads=50)]))
    # later versions: the latest reads count, and a latest version without reads counts none
    ch.insert("mentions", MENTION_COLUMNS, tuples([mention("weibo:77", reads=1200, version=2),
                                                   mention("weibo:79", reads=None, version=2)]))
    rows = funnel_module.funnel(ch, by="campaign")
    assert {(r.key, r.reads) for r in rows} == {("spring", 1200), ("summer", 1200)}
