-- Engagement indices (docs/monitoring.md#engagement-indices): per post and per account and day, in the
-- spirit of 清博's WCI (WeChat) and BCI (Weibo). Views over mentions FINAL: a replay changes nothing.
-- post_index = 100 * (0.40 ln(1+reads) + 0.25 ln(1+reposts) + 0.20 ln(1+comments) + 0.15 ln(1+likes))
--              / (W * ln(1+100000)), W = 1, or 0.6 when the platform reports no reads (the other weights
--              then carry the whole scale): a post with 100,000 of each scores 100.
-- reach_rate = reads / followers (where both are known: WeChat articles, Weibo reads);
-- engagement_rate = (reposts + comments + likes) / followers. NULL where not known.
-- Comments are not scored (their counts are not reach).
CREATE VIEW IF NOT EXISTS post_performance AS
SELECT event_id, platform, kind, author_id, author_name, created_at, toDate(created_at) AS day, brands,
       reads, reposts, comments, likes, author_followers AS followers,
       round(100 * (if(isNull(reads), 0, 0.4 * log(1 + assumeNotNull(reads))) + 0.25 * log(1 + reposts)
                    + 0.2 * log(1 + comments) + 0.15 * log(1 + likes))
             / (if(isNull(reads), 0.6, 1.0) * log(100001)), 2) AS post_index,
       if(isNull(reads) OR author_followers = 0, NULL, assumeNotNull(reads) / author_followers) AS reach_rate,
       if(author_followers = 0, NULL, (reposts + comments + likes) / author_followers) AS engagement_rate
FROM mentions FINAL
WHERE kind != 'comment';

-- Per account and UTC day: account_index = 0.7 * mean post_index + 0.3 * best post_index of the day;
-- reach_rate = mean reads per post that has reads / followers; engagement_rate per post and follower.
CREATE VIEW IF NOT EXISTS account_index_daily AS
SELECT platform, author_id, day, author_name, posts, followers, total_reads, posts_with_reads, total_reposts,
       total_comments, total_likes, account_index,
       if(posts_with_reads = 0 OR followers = 0, NULL, total_reads / posts_with_reads / followers) AS reach_rate,
       if(followers = 0, NULL, (total_reposts + total_comments + total_likes) / posts / followers) AS engagement_rate
FROM
(
    SELECT platform, author_id, day,
           argMax(author_name, created_at) AS author_name,
           count() AS posts,
           max(followers) AS followers,
           sum(ifNull(reads, 0)) AS total_reads,
           countIf(isNotNull(reads)) AS posts_with_reads,
           sum(reposts) AS total_reposts,
           sum(comments) AS total_comments,
           sum(likes) AS total_likes,
           round(0.7 * avg(post_index) + 0.3 * max(post_index), 2) AS account_index
    FROM post_performance
    GROUP BY platform, author_id, day
);
