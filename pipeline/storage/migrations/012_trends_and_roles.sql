-- Emerging topics and platform roles (docs/monitoring.md). Views over mentions FINAL: a replay changes nothing.

-- The group (QQ group, WeChat group, Douban/小红书 circle) an event was posted in; '' when none or unknown.
ALTER TABLE mentions ADD COLUMN group_id String;

-- Mentions per UTC day, brand and term: keywords and #hashtags#. brand '' counts every mention (with or
-- without a brand); a mention counts once per term.
CREATE VIEW IF NOT EXISTS term_daily AS
SELECT day, brand, term, uniqExact(event_id) AS mentions
FROM
(
    SELECT toDate(created_at) AS day, event_id, arrayJoin(arrayConcat([''], brands)) AS brand,
           arrayJoin(arrayConcat(keywords, arrayMap(h -> concat('#', h, '#'), hashtags))) AS term
    FROM mentions FINAL
)
GROUP BY day, brand, term;

-- Per brand ('' = every mention) and platform: how each platform works for it. reach: followers of the
-- authors of posts and reposts; depth: repost levels (1 = direct repost); conversation: comments per post;
-- buyer / service / low-quality shares of the mentions (low quality: the audience model's profile rule).
CREATE VIEW IF NOT EXISTS platform_roles AS
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
               toUInt8((author_followers < 50 AND author_posts >= 2000)
                       OR (toUInt32(author_created) > 0
                           AND toInt64(toUInt32(created_at)) - toInt64(toUInt32(author_created)) < 30 * 86400
                           AND author_followers < 100)) AS suspect
        FROM mentions FINAL
    )
    GROUP BY brand, platform
);

-- The same per group (circle): only mentions posted in a group.
CREATE VIEW IF NOT EXISTS group_roles AS
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
GROUP BY brand, platform, group_id;
