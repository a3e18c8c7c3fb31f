-- Engagement indices from a narrow copy of the scored mentions (docs/benchmark.md#bi-and-api-latency):
-- post_performance and account_index_daily read mentions FINAL, every column of every mention of the months a
-- filter touches (account_index_daily over 30 days: 19 s at 10,000,000 mentions on 18.16). post_engagement
-- holds the columns they use (and the thread, by which a cluster shards it as it shards mentions), for posts, reposts and articles, keyed by day first: FINAL still keeps the
-- latest version of each (engagement counts change between versions), and a range of days reads only its days.
CREATE TABLE IF NOT EXISTS post_engagement
(
    day Date,
    platform String,
    author_id String,
    event_id String,
    thread_id String,
    kind String,
    author_name String,
    created_at DateTime('UTC'),
    brands Array(String),
    reads Nullable(UInt64),
    reposts UInt64,
    comments UInt64,
    likes UInt64,
    followers UInt64,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(day)
ORDER BY (day, platform, author_id, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS post_engagement_mv TO post_engagement AS
SELECT toDate(created_at) AS day, platform, author_id, event_id, thread_id, kind, author_name, created_at, brands, reads, reposts,
       comments, likes, author_followers AS followers, version
FROM mentions
WHERE kind != 'comment';

-- The mentions stored before this migration (a copy: running it again adds versions FINAL collapses).
INSERT INTO post_engagement
SELECT toDate(created_at) AS day, platform, author_id, event_id, thread_id, kind, author_name, created_at, brands, reads, reposts,
       comments, likes, author_followers AS followers, version
FROM mentions
WHERE kind != 'comment';

DROP TABLE IF EXISTS account_index_daily;

DROP TABLE IF EXISTS post_performance;

-- Per post (columns and formulas of 011).
CREATE VIEW IF NOT EXISTS post_performance AS
SELECT event_id, platform, kind, author_id, author_name, created_at, day, brands,
       reads, reposts, comments, likes, followers,
       round(100 * (if(isNull(reads), 0, 0.4 * log(1 + assumeNotNull(reads))) + 0.25 * log(1 + reposts)
                    + 0.2 * log(1 + comments) + 0.15 * log(1 + likes))
             / (if(isNull(reads), 0.6, 1.0) * log(100001)), 2) AS post_index,
       if(isNull(reads) OR followers = 0, NULL, assumeNotNull(reads) / followers) AS reach_rate,
       if(followers = 0, NULL, (reposts + comments + likes) / followers) AS engagement_rate
FROM post_engagement FINAL;

-- Per account and UTC day (columns and formulas of 011).
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
