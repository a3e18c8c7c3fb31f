"""Reads of the engagement indices (``post_performance``, ``account_index_daily``; migrations 011, 021).

One post or one account is read from ``post_engagement`` through its key (day, platform, author), with
the views' own formulas below: ClickHouse 18.16 does not carry a filter on those views down to the
table (a single post took 0.8 s at 10,000,000 mentions through the view, 10 ms so). The latest version
of each post is the first of its rows by ``version`` descending (``LIMIT 1 BY``), as ``FINAL`` would
keep it: the filter is on key columns, which every version of a post shares, and ``FINAL`` reads every
row of each granule it touches (the busiest account's 30 days: 0.21 s against 0.03 s on 18.16). The
integration tests check both against the views, row for row.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.storage import ClickHouse
from pipeline.storage.sql import latest_rows

POST = f"""
SELECT event_id, platform, kind, author_id, author_name, created_at, day, brands,
       reads, reposts, comments, likes, followers,
       round(100 * (if(isNull(reads), 0, 0.4 * log(1 + assumeNotNull(reads))) + 0.25 * log(1 + reposts)
                    + 0.2 * log(1 + comments) + 0.15 * log(1 + likes))
             / (if(isNull(reads), 0.6, 1.0) * log(100001)), 2) AS post_index,
       if(isNull(reads) OR followers = 0, NULL, assumeNotNull(reads) / followers) AS reach_rate,
       if(followers = 0, NULL, (reposts + comments + likes) / followers) AS engagement_rate
FROM {latest_rows('post_engagement', '{where}', 'event_id')}
"""
"""Rows of ``post_performance`` (migration 021) for the posts ``where`` selects (a condition on key columns)."""

ACCOUNT = f"""
SELECT platform, author_id, day, author_name, posts, followers, total_reads, posts_with_reads, total_reposts,
       total_comments, total_likes, account_index,
       if(posts_with_reads = 0 OR followers = 0, NULL, total_reads / posts_with_reads / followers) AS reach_rate,
       if(followers = 0, NULL, (total_reposts + total_comments + total_likes) / posts / followers) AS engagement_rate
FROM
(
    SELECT platform, author_id, day, argMax(author_name, created_at) AS author_name, count() AS posts,
           max(followers) AS followers, sum(ifNull(reads, 0)) AS total_reads,
           countIf(isNotNull(reads)) AS posts_with_reads, sum(reposts) AS total_reposts,
           sum(comments) AS total_comments, sum(likes) AS total_likes,
           round(0.7 * avg(post_index) + 0.3 * max(post_index), 2) AS account_index
    FROM ({POST})
    GROUP BY platform, author_id, day
)
ORDER BY day
"""
"""Rows of ``account_index_daily`` (migration 021), oldest first, for the posts ``where`` selects."""


def account_index(ch: ClickHouse, platform: str, author_id: str, since: date | None = None,
                  until: date | None = None) -> list[dict[str, Any]]:
    """One account's index, reach and engagement rates per day (oldest first)."""
    cond = ["platform = %(platform)s", "author_id = %(author)s"]
    if since is not None:
        cond.append("day >= %(since)s")
    if until is not None:
        cond.append("day <= %(until)s")
    return ch.query(ACCOUNT.format(where=" AND ".join(cond)),
                    {"platform": platform, "author": author_id, "since": since, "until": until})


def post_performance(ch: ClickHouse, event_id: str) -> dict[str, Any] | None:
    """One post's (or article's) counts, index, reach and engagement rates; None if unknown or a comment."""
    # the key of post_engagement from the mention (its own key is event_id): the read is one post's granules
    key = ch.query("SELECT toDate(created_at) AS day, platform, author_id FROM mentions WHERE event_id = %(e)s "
                   "LIMIT 1", {"e": event_id})
    if not key:
        return None
    rows = ch.query(POST.format(where="day = %(day)s AND platform = %(platform)s AND author_id = %(author_id)s "
                                      "AND event_id = %(e)s"), {**key[0], "e": event_id})
    return rows[0] if rows else None
