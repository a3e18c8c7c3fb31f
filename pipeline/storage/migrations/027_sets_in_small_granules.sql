-- The minute, hour and term sets of 024 again, in index granules of 256 rows instead of 8,192
-- (docs/benchmark.md#memory-stage). ClickHouse merges an AggregatingMergeTree a granule of every column at a
-- time, and each row holds a set: with 256-row granules the largest merge of each table took 14-23 MB instead
-- of 38-51 MB (300,000 bench events into a fresh chDB in 4,000-row inserts, system.part_log), and the worker's
-- peak with chDB after 1,000,000 events was 750.8 and 743.4 MB against 772.6 and 824.4 MB (alternating).
-- Reads, each table merged, old and new in turn on 18.16 at 10,000,000 mentions: 30 days of hours 0.59 -> 0.52 s,
-- 30 days of terms 0.64-0.67 -> 0.73-0.76 s, 15 days of terms of all mentions 0.39 -> 0.35 s. 18.16 cannot change a
-- table's granularity, so the sets move again, as in 024: each new view writes before its copy starts, the old
-- views stop after the copies end, and a set absorbs an id added twice. The tables of 024 stay, no longer
-- written or read.

CREATE TABLE IF NOT EXISTS minute_sets
(
    bucket DateTime('UTC'),
    platform String,
    brand String,
    signal String,
    events AggregateFunction(uniqExact, UInt64)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, platform, brand, signal)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS minute_sets_mv TO minute_sets AS
SELECT toStartOfMinute(created_at) AS bucket, platform, arrayJoin(if(empty(brands), [''], brands)) AS brand,
       arrayJoin(arrayConcat(['mention'], signals)) AS signal, uniqExactState(cityHash64(event_id)) AS events
FROM mentions
GROUP BY bucket, platform, brand, signal;

CREATE TABLE IF NOT EXISTS hour_sets
(
    bucket DateTime('UTC'),
    platform String,
    brand String,
    signal String,
    events AggregateFunction(uniqExact, UInt64)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, platform, brand, signal)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS hour_sets_mv TO hour_sets AS
SELECT toStartOfHour(created_at) AS bucket, platform, arrayJoin(if(empty(brands), [''], brands)) AS brand,
       arrayJoin(arrayConcat(['mention'], signals)) AS signal, uniqExactState(cityHash64(event_id)) AS events
FROM mentions
GROUP BY bucket, platform, brand, signal;

CREATE TABLE IF NOT EXISTS term_day_sets
(
    day Date,
    brand String,
    term String,
    events AggregateFunction(uniqExact, UInt64)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (brand, day, term)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS term_day_sets_mv TO term_day_sets AS
SELECT toDate(created_at) AS day, arrayJoin(arrayConcat([''], brands)) AS brand,
       arrayJoin(arrayConcat(keywords, arrayMap(h -> concat('#', h, '#'), hashtags))) AS term,
       uniqExactState(cityHash64(event_id)) AS events
FROM mentions
GROUP BY day, brand, term;

-- The sets stored before this migration.
INSERT INTO minute_sets SELECT bucket, platform, brand, signal, events FROM mention_sets_minute;

INSERT INTO hour_sets SELECT bucket, platform, brand, signal, events FROM mention_sets_hour;

INSERT INTO term_day_sets SELECT day, brand, term, events FROM term_sets_daily;

DROP TABLE IF EXISTS mention_sets_minute_mv;

DROP TABLE IF EXISTS mention_sets_hour_mv;

DROP TABLE IF EXISTS term_sets_daily_mv;

-- The views of 024 (same columns and figures) over the new tables.
DROP TABLE IF EXISTS rollup_minute;

CREATE VIEW IF NOT EXISTS rollup_minute AS
SELECT bucket, platform, brand, signal, uniqExactMerge(events) AS events
FROM minute_sets
GROUP BY bucket, platform, brand, signal;

DROP TABLE IF EXISTS rollup_hour;

CREATE VIEW IF NOT EXISTS rollup_hour AS
SELECT bucket, platform, brand, signal, uniqExactMerge(events) AS events
FROM hour_sets
GROUP BY bucket, platform, brand, signal;

DROP TABLE IF EXISTS share_of_voice_daily;

CREATE VIEW IF NOT EXISTS share_of_voice_daily AS
SELECT day, brand, mentions, mentions / day_total AS share
FROM
(
    SELECT day, groupArray(brand) AS day_brands, groupArray(brand_mentions) AS day_mentions,
           sum(brand_mentions) AS day_total
    FROM
    (
        SELECT toDate(bucket) AS day, brand, uniqExactMerge(events) AS brand_mentions
        FROM hour_sets
        WHERE signal = 'mention' AND brand != ''
        GROUP BY day, brand
    )
    GROUP BY day
)
ARRAY JOIN day_brands AS brand, day_mentions AS mentions;

DROP TABLE IF EXISTS buyers_by_brand_daily;

CREATE VIEW IF NOT EXISTS buyers_by_brand_daily AS
SELECT toDate(bucket) AS day, brand, platform, uniqExactMerge(events) AS buyers
FROM hour_sets
WHERE signal = 'buyer'
GROUP BY day, brand, platform;

DROP TABLE IF EXISTS term_mentions_daily;

CREATE VIEW IF NOT EXISTS term_mentions_daily AS
SELECT day, brand, term, uniqExactMerge(events) AS mentions
FROM term_day_sets
GROUP BY day, brand, term;
