-- The hot-event rollup of 020 again, in index granules of 64 rows instead of 8,192
-- (docs/benchmark.md#memory-stage).
-- ClickHouse merges an AggregatingMergeTree horizontally, reading a whole granule of every state column at once,
-- and each row of this table holds one event's sets of post and author ids, which grow with the event: a merge
-- of 8,192-row granules held every event's sets (59 MB at 600,000 mentions in chDB, growing with the data), one
-- of 64-row granules 10 MB. 18.16 cannot change a table's granularity, so the states move to a new table.
-- The move loses nothing and doubles nothing: the new view writes before the copy starts and the old one stops
-- after it ends, and every state is a set or an extreme, so a mention added twice counts once.
-- hot_event_rollup stays, no longer written or read (migrations drop no data); its view is dropped.
CREATE TABLE IF NOT EXISTS hot_event_states
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
ORDER BY hot_event
SETTINGS index_granularity = 64;

CREATE MATERIALIZED VIEW IF NOT EXISTS hot_event_states_mv TO hot_event_states AS
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

INSERT INTO hot_event_states
SELECT hot_event, first_at_state, last_at_state, first_post_state, first_text_state, posts_state,
       copies_state, reposts_state, authors_state, suspect_authors_state, platforms_state, brands_state
FROM hot_event_rollup;

DROP TABLE IF EXISTS hot_event_rollup_mv;

DROP TABLE IF EXISTS hot_events;

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
    FROM hot_event_states
    GROUP BY hot_event
);
