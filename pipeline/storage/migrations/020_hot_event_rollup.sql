-- Hot events from rollups kept by ClickHouse itself (docs/benchmark.md#bi-and-api-latency): hot_events and
-- hot_events_hourly aggregated every mention with an event (mentions FINAL) on every read, 1.2 s for the
-- event list at 2,000,000 mentions on 18.16 and growing with the data. The states are sets and extremes, so
-- a mention inserted again changes nothing. Caveat (as for 016): a later version of a mention that moves it
-- to another event adds it to the new event but cannot remove it from the old one.
-- first_post and first_text: the earliest mention, the smallest id among mentions of the same second.
CREATE TABLE IF NOT EXISTS hot_event_rollup
(
    hot_event String,
    first_at_state AggregateFunction(min, DateTime('UTC')),
    last_at_state AggregateFunction(max, DateTime('UTC')),
    first_post_state AggregateFunction(argMin, String, String),
    first_text_state AggregateFunction(argMin, String, String),
    posts_state AggregateFunction(uniqExact, String),
    copies_state AggregateFunction(uniqExactIf, String, UInt8),
    reposts_state AggregateFunction(uniqExactIf, String, UInt8),
    authors_state AggregateFunction(uniqExact, String),
    suspect_authors_state AggregateFunction(uniqExactIf, String, UInt8),
    platforms_state AggregateFunction(groupUniqArray, String),
    brands_state AggregateFunction(groupUniqArrayArray, Array(String))
)
ENGINE = AggregatingMergeTree()
ORDER BY hot_event;

CREATE MATERIALIZED VIEW IF NOT EXISTS hot_event_rollup_mv TO hot_event_rollup AS
SELECT hot_event, minState(created_at) AS first_at_state, maxState(created_at) AS last_at_state,
       argMinState(event_id, concat(toString(created_at), event_id)) AS first_post_state,
       argMinState(substringUTF8(text, 1, 200), concat(toString(created_at), event_id)) AS first_text_state,
       uniqExactState(event_id) AS posts_state,
       uniqExactIfState(event_id, toUInt8(hot_event_how = 'copy')) AS copies_state,
       uniqExactIfState(event_id, toUInt8(hot_event_how = 'repost')) AS reposts_state,
       uniqExactState(author_id) AS authors_state,
       uniqExactIfState(author_id, toUInt8((author_followers < 50 AND author_posts >= 2000)
           OR (toUInt32(author_created) > 0
               AND toInt64(toUInt32(created_at)) - toInt64(toUInt32(author_created)) < 30 * 86400
               AND author_followers < 100))) AS suspect_authors_state,
       groupUniqArrayState(platform) AS platforms_state, groupUniqArrayArrayState(brands) AS brands_state
FROM mentions
WHERE hot_event != ''
GROUP BY hot_event;

-- Posts per event and hour (UTC).
CREATE TABLE IF NOT EXISTS hot_event_hourly_rollup
(
    hot_event String,
    hour DateTime('UTC'),
    posts_state AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(hour)
ORDER BY (hot_event, hour);

CREATE MATERIALIZED VIEW IF NOT EXISTS hot_event_hourly_rollup_mv TO hot_event_hourly_rollup AS
SELECT hot_event, toStartOfHour(created_at) AS hour, uniqExactState(event_id) AS posts_state
FROM mentions
WHERE hot_event != ''
GROUP BY hot_event, hour;

-- The events stored before this migration (sets and extremes: running it again changes nothing).
INSERT INTO hot_event_rollup
SELECT hot_event, minState(created_at) AS first_at_state, maxState(created_at) AS last_at_state,
       argMinState(event_id, concat(toString(created_at), event_id)) AS first_post_state,
       argMinState(substringUTF8(text, 1, 200), concat(toString(created_at), event_id)) AS first_text_state,
       uniqExactState(event_id) AS posts_state,
       uniqExactIfState(event_id, toUInt8(hot_event_how = 'copy')) AS copies_state,
       uniqExactIfState(event_id, toUInt8(hot_event_how = 'repost')) AS reposts_state,
       uniqExactState(author_id) AS authors_state,
       uniqExactIfState(author_id, toUInt8((author_followers < 50 AND author_posts >= 2000)
           OR (toUInt32(author_created) > 0
               AND toInt64(toUInt32(created_at)) - toInt64(toUInt32(author_created)) < 30 * 86400
               AND author_followers < 100))) AS suspect_authors_state,
       groupUniqArrayState(platform) AS platforms_state, groupUniqArrayArrayState(brands) AS brands_state
FROM mentions
WHERE hot_event != ''
GROUP BY hot_event;

INSERT INTO hot_event_hourly_rollup
SELECT hot_event, toStartOfHour(created_at) AS hour, uniqExactState(event_id) AS posts_state
FROM mentions
WHERE hot_event != ''
GROUP BY hot_event, hour;

DROP TABLE IF EXISTS hot_events;

DROP TABLE IF EXISTS hot_events_hourly;

-- One row per event: first post and its text, size, spread and the share of suspected low-quality authors
-- (columns and rules of 010).
CREATE VIEW IF NOT EXISTS hot_events AS
SELECT event_id, first_at, last_at, first_post, first_text, posts, copies, reposts, authors, suspect_authors,
       suspect_authors / authors AS low_quality_share, platforms, brands
FROM
(
    SELECT hot_event AS event_id, minMerge(first_at_state) AS first_at, maxMerge(last_at_state) AS last_at,
           argMinMerge(first_post_state) AS first_post, argMinMerge(first_text_state) AS first_text,
           uniqExactMerge(posts_state) AS posts, uniqExactIfMerge(copies_state) AS copies,
           uniqExactIfMerge(reposts_state) AS reposts, uniqExactMerge(authors_state) AS authors,
           uniqExactIfMerge(suspect_authors_state) AS suspect_authors,
           arraySort(groupUniqArrayMerge(platforms_state)) AS platforms,
           arraySort(groupUniqArrayArrayMerge(brands_state)) AS brands
    FROM hot_event_rollup
    GROUP BY hot_event
);

-- Size of each event over time: posts per event and hour (UTC).
CREATE VIEW IF NOT EXISTS hot_events_hourly AS
SELECT hot_event AS event_id, hour, uniqExactMerge(posts_state) AS posts
FROM hot_event_hourly_rollup
GROUP BY hot_event, hour;
