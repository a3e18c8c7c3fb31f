"""Platform and group roles, as the audience snapshot's refresh computes them (migration 019).

The rules are those of migration 012 (docs/monitoring.md#platform-roles): per brand ('' = every
mention) and platform, reach (followers of the authors of posts and reposts), depth of spread,
conversation (comments per post), buyer / service / low-quality shares; per group the same in short.
Exact under replay: they read ``mentions FINAL``.
"""

from __future__ import annotations

from pipeline.monitor.audience import SUSPECT_SQL

PLATFORM_ROLES = f"""
SELECT brand, platform, mentions, posts, authors, reach,
       if(reposts = 0, NULL, depth_sum / reposts) AS avg_depth, max_depth,
       if(posts = 0, NULL, reposts / posts) AS reposts_per_post,
       if(posts = 0, NULL, comments / posts) AS comments_per_post,
       buyer_share, service_share, low_quality_share, groups
FROM
(
    SELECT brand, platform,
           uniqExact(event_id) AS mentions,
           countIf(kind IN ('post', 'article')) AS posts,
           countIf(kind = 'repost') AS reposts,
           countIf(kind = 'comment') AS comments,
           uniqExact(author_id) AS authors,
           sumIf(author_followers, kind != 'comment') AS reach,
           sumIf(repost_depth, kind = 'repost') AS depth_sum,
           max(repost_depth) AS max_depth,
           avg(buyer) AS buyer_share,
           avg(service_request) AS service_share,
           avg(suspect) AS low_quality_share,
           uniqExactIf(group_id, group_id != '') AS groups
    FROM
    (
        SELECT arrayJoin(arrayConcat([''], brands)) AS brand, platform, event_id, kind, author_id, author_followers,
               repost_depth, buyer, service_request, group_id,
               toUInt8({SUSPECT_SQL}) AS suspect
        FROM mentions FINAL
    )
    GROUP BY brand, platform
)
"""

GROUP_ROLES = """
SELECT brand, platform, group_id, uniqExact(event_id) AS mentions, uniqExact(author_id) AS authors,
       countIf(kind IN ('post', 'article')) AS posts, countIf(kind = 'comment') AS comments,
       avg(buyer) AS buyer_share, avg(service_request) AS service_share
FROM
(
    SELECT arrayJoin(arrayConcat([''], brands)) AS brand, platform, group_id, event_id, author_id, kind, buyer,
           service_request
    FROM mentions FINAL
    WHERE group_id != ''
)
GROUP BY brand, platform, group_id
"""

SNAPSHOTS: dict[str, tuple[tuple[str, ...], str]] = {
    "platform_roles_snapshot": (("brand", "platform", "mentions", "posts", "authors", "reach", "avg_depth", "max_depth",
                                 "reposts_per_post", "comments_per_post", "buyer_share", "service_share",
                                 "low_quality_share", "groups"), PLATFORM_ROLES),
    "group_roles_snapshot": (("brand", "platform", "group_id", "mentions", "authors", "posts", "comments",
                              "buyer_share", "service_share"), GROUP_ROLES),
}
"""Snapshot table -> (its columns after slot and refresh, the query that fills them)."""
