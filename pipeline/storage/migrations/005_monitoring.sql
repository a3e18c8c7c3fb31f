-- Monitoring: spike alerts, audience quality, repost cascades, consumer-insight views.
-- Every table is a ReplacingMergeTree keyed by a stable id: replays after a crash replace rows.
-- Runs on ClickHouse 18.16 and current releases (one JOIN per SELECT level, arrayJoin()).

-- Spike alerts; alert_id = brand|signal|window start, so a leader that fires twice after a
-- failover writes the same row again.
CREATE TABLE IF NOT EXISTS alerts
(
    alert_id String,
    brand String,
    signal String,
    window_start DateTime,
    window_end DateTime,
    fired_at DateTime,
    count UInt64,
    baseline_mean Float64,
    baseline_std Float64,
    threshold Float64,
    score Float64,
    severity String,
    top_terms Array(String),
    top_authors Array(String),
    top_posts Array(String),
    explanation String,
    payload String,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(fired_at)
ORDER BY alert_id;

CREATE VIEW IF NOT EXISTS alerts_latest AS
SELECT * FROM alerts FINAL;

-- One row per (author, event): what the audience views need, account creation date included.
CREATE TABLE IF NOT EXISTS audience_events
(
    platform String,
    author_id String,
    event_id String,
    created_at DateTime,
    author_name String,
    verified_type String,
    followers UInt64,
    posts UInt64,
    account_created DateTime,
    brands Array(String),
    buyer UInt8,
    purchase_intent UInt8,
    text_hash UInt64,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(created_at)
ORDER BY (platform, author_id, event_id);

-- Manual segment overrides ('' segment = override removed).
CREATE TABLE IF NOT EXISTS audience_overrides
(
    platform String,
    author_id String,
    segment String,
    note String,
    updated_by String,
    updated_at DateTime,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (platform, author_id);

-- Per-author statistics, before classification. copied_texts: the author's texts (8+ chars)
-- that at least 5 different accounts posted word for word (water army).
CREATE VIEW IF NOT EXISTS author_stats AS
SELECT *
FROM
(
    SELECT platform, author_id,
           argMax(author_name, created_at) AS author_name,
           argMax(verified_type, created_at) AS verified_type,
           argMax(followers, created_at) AS followers,
           argMax(posts, created_at) AS posts,
           max(account_created) AS account_created,
           min(created_at) AS first_seen,
           max(created_at) AS last_seen,
           count() AS events,
           countIf(text_hash != 0) AS compared_texts,
           uniqExactIf(text_hash, text_hash != 0) AS distinct_texts,
           max(buyer) AS buyer,
           max(purchase_intent) AS purchase_intent
    FROM audience_events FINAL
    GROUP BY platform, author_id
) AS a
ANY LEFT JOIN
(
    SELECT platform, author_id, count() AS copied_texts
    FROM
    (
        SELECT DISTINCT platform, author_id, text_hash
        FROM audience_events FINAL
        WHERE text_hash != 0
    ) AS t
    ALL INNER JOIN
    (
        SELECT text_hash
        FROM audience_events FINAL
        WHERE text_hash != 0
        GROUP BY text_hash
        HAVING uniqExact(author_id) >= 5
    ) AS shared USING (text_hash)
    GROUP BY platform, author_id
) AS c USING (platform, author_id);

-- Audience quality per author. Rules (docs/monitoring.md; pipeline/monitor/audience.py mirrors them):
--   suspected_low_quality: followers < 50 and posts >= 2000; or account younger than 30 days when first
--     seen with followers < 100; or 3+ texts of which at most half distinct; or copied texts and < 500 followers
--   real_customer: buyer evidence; potential_customer: purchase intent without buyer evidence
--   high_value: followers >= 10000, or verified with followers >= 1000, or a kol/media account
-- An override replaces the computed segments.
CREATE VIEW IF NOT EXISTS author_quality AS
SELECT platform, author_id, author_name, verified_type, followers, posts, account_created, first_seen, last_seen,
       events, compared_texts, distinct_texts, copied_texts, buyer, purchase_intent,
       suspect, high_value, override_segment,
       if(override_segment != '', [override_segment],
          if(suspect, ['suspected_low_quality'],
             if(empty(computed), ['ordinary'], computed))) AS segments,
       segments[1] AS segment
FROM
(
    SELECT *,
           ((followers < 50 AND posts >= 2000)
            OR (toUInt32(account_created) > 0 AND toInt64(toUInt32(first_seen)) - toInt64(toUInt32(account_created)) < 30 * 86400
                AND followers < 100)
            OR (compared_texts >= 3 AND distinct_texts * 2 <= compared_texts)
            OR (copied_texts >= 1 AND followers < 500)) AS suspect,
           (followers >= 10000 OR (verified_type != 'none' AND followers >= 1000)
            OR verified_type IN ('kol', 'media')) AS high_value,
           arrayFilter(x -> x != '', [if(buyer = 1, 'real_customer', ''),
                                     if(purchase_intent = 1 AND buyer = 0, 'potential_customer', ''),
                                     if(high_value, 'high_value', '')]) AS computed
    FROM author_stats
) AS s
ANY LEFT JOIN
(
    SELECT platform, author_id, segment AS override_segment
    FROM audience_overrides FINAL
) AS o USING (platform, author_id);

-- Audience composition: distinct authors per day, brand and segment (an author may be in several
-- segments, e.g. real_customer and high_value). Segments are the authors' current ones.
CREATE VIEW IF NOT EXISTS audience_composition_daily AS
SELECT day, brand, arrayJoin(segments) AS segment, uniqExact(author_key) AS authors
FROM
(
    SELECT day, brand, concat(platform, ':', author_id) AS author_key, segments
    FROM
    (
        SELECT DISTINCT toDate(created_at) AS day, arrayJoin(brands) AS brand, platform, author_id
        FROM audience_events FINAL
    ) AS e
    ANY LEFT JOIN
    (
        SELECT platform, author_id, segments FROM author_quality
    ) AS q USING (platform, author_id)
)
GROUP BY day, brand, segment;

-- Repost cascades: the nodes (root posts and reposts) and one metrics row per root post.
CREATE TABLE IF NOT EXISTS cascade_nodes
(
    root_id String,
    event_id String,
    platform String,
    parent_id String,
    author_id String,
    author_name String,
    repost_chain Array(String),
    followers UInt64,
    posts UInt64,
    created_at DateTime,
    text_hash UInt64,
    suspect_account UInt8,
    is_root UInt8,
    root_text String,
    brands Array(String),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (root_id, event_id);

CREATE TABLE IF NOT EXISTS cascades
(
    root_id String,
    platform String,
    root_author String,
    root_text String,
    root_created_at DateTime,
    brands Array(String),
    size UInt32,
    reposts UInt32,
    inferred UInt32,
    max_depth UInt16,
    level_counts Array(UInt32),
    level1_share Float64,
    structural_virality Float64,
    reach UInt64,
    unique_reposters UInt32,
    suspect_share Float64,
    duplicate_text_share Float64,
    top_spreaders Array(String),
    top_spreader_descendants Array(UInt32),
    suspected_amplification UInt8,
    amplification_score Float64,
    first_repost_at DateTime,
    last_repost_at DateTime,
    updated_at DateTime,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY root_id;

CREATE VIEW IF NOT EXISTS cascades_latest AS
SELECT * FROM cascades FINAL;

-- What buyers of each brand talk about, by sentiment (praise: positive, complaints: negative).
CREATE VIEW IF NOT EXISTS buyer_topics_daily AS
SELECT day, brand, sentiment, keyword, count() AS mentions
FROM
(
    SELECT toDate(created_at) AS day, arrayJoin(brands) AS brand, sentiment, arrayJoin(keywords) AS keyword
    FROM mentions FINAL
    WHERE buyer = 1 AND notEmpty(brands)
)
WHERE keyword != brand
GROUP BY day, brand, sentiment, keyword;

-- Terms that co-occur with competitor mentions.
CREATE VIEW IF NOT EXISTS competitor_terms_daily AS
SELECT day, competitor, term, count() AS mentions
FROM
(
    SELECT toDate(created_at) AS day, arrayJoin(competitors) AS competitor, arrayJoin(keywords) AS term
    FROM mentions FINAL
    WHERE notEmpty(competitors)
)
WHERE term != competitor
GROUP BY day, competitor, term;
