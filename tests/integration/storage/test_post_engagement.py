"""post_engagement (migration 021) gives the engagement views of 011 exactly: backfilled, replayed, with new counts.

Exact: post_performance and account_index_daily as 011 defined them, over mentions FINAL.
"""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.monitor import engagement
from pipeline.storage import ClickHouse, connect
from pipeline.storage.migrate import load_migrations, migrate
from pipeline.storage.tables import MENTION_COLUMNS, mention_rows
from tests.integration.influence.conftest import demo_items

pytestmark = pytest.mark.integration

EXACT_POSTS = """
SELECT event_id, platform, kind, author_id, author_name, created_at, toDate(created_at) AS day, brands,
       reads, reposts, comments, likes, author_followers AS followers,
       round(100 * (if(isNull(reads), 0, 0.4 * log(1 + assumeNotNull(reads))) + 0.25 * log(1 + reposts)
                    + 0.2 * log(1 + comments) + 0.15 * log(1 + likes))
             / (if(isNull(reads), 0.6, 1.0) * log(100001)), 2) AS post_index,
       if(isNull(reads) OR author_followers = 0, NULL, assumeNotNull(reads) / author_followers) AS reach_rate,
       if(author_followers = 0, NULL, (reposts + comments + likes) / author_followers) AS engagement_rate
FROM mentions FINAL
WHERE kind != 'comment'
"""
EXACT_ACCOUNTS = f"""
SELECT platform, author_id, day, argMax(author_name, created_at) AS author_name, count() AS posts,
       max(followers) AS followers, sum(ifNull(reads, 0)) AS total_reads, countIf(isNotNull(reads)) AS posts_with_reads,
       sum(reposts) AS total_reposts, sum(comments) AS total_comments, sum(likes) AS total_likes,
       round(0.7 * avg(post_index) + 0.3 * max(post_index), 2) AS account_index
FROM ({EXACT_POSTS})
GROUP BY platform, author_id, day
"""


def _rows(ch: ClickHouse, sql: str, key: str) -> list[dict[str, Any]]:
    return ch.query(f"SELECT * FROM ({sql}) ORDER BY {key}")


def _later_versions(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The same mentions a day later: more likes and reposts, a higher version."""
    likes, reposts, version = (MENTION_COLUMNS.index(c) for c in ("likes", "reposts", "version"))
    out = []
    for row in rows:
        changed = list(row)
        changed[likes], changed[reposts], changed[version] = row[likes] + 7, row[reposts] + 2, row[version] + 1
        out.append(tuple(changed))
    return out


def test_post_engagement_equals_the_exact_views_with_backfill_replays_and_new_counts(clickhouse_url: str) -> None:
    rows = mention_rows(demo_items())
    half = len(rows) // 2
    ch = connect(clickhouse_url)
    try:
        migrate(ch, [m for m in load_migrations() if m.version < "021"])
        ch.insert("mentions", MENTION_COLUMNS, rows[:half])  # before the copy: the backfill
        migrate(ch)
        ch.insert("mentions", MENTION_COLUMNS, rows[half:])
        ch.insert("mentions", MENTION_COLUMNS, rows[:half])  # a replay
        ch.insert("mentions", MENTION_COLUMNS, _later_versions(rows[: half // 2]))  # new counts for some
        posts = _rows(ch, EXACT_POSTS, "event_id")
        assert len(posts) > 100
        assert _rows(ch, "SELECT * FROM post_performance", "event_id") == posts
        key = "platform, author_id, day"
        accounts = _rows(ch, "SELECT * FROM account_index_daily", key)
        exact = _rows(ch, EXACT_ACCOUNTS, key)
        assert [{k: r[k] for k in exact[0]} for r in accounts] == exact
        for post in posts[:20]:  # one post and one account through the API's reads, by the key of the copy
            assert engagement.post_performance(ch, post["event_id"]) == post
            mine = [r for r in accounts if (r["platform"], r["author_id"]) == (post["platform"], post["author_id"])]
            assert engagement.account_index(ch, post["platform"], post["author_id"]) == mine
            assert engagement.account_index(ch, post["platform"], post["author_id"], post["day"], post["day"]) == [
                r for r in mine if r["day"] == post["day"]]
        assert migrate(ch) == []
    finally:
        ch.close()
