-- The rollups of 002 and 016 again, keeping a set of 64-bit hashes of event ids (cityHash64) instead of the ids
-- themselves (docs/benchmark.md#bi-and-api-latency). uniqExact keeps a String as its 128-bit hash; a UInt64 it
-- keeps as it is, so a set takes half the memory and a read merges it about twice as fast (rollup_hour over
-- 30 days at 10,000,000 mentions on 18.16: 1.05 s against 0.50 s, the same figures). The state's type cannot
-- change in place, so the sets move to new tables. Still exact under replay: an id inserted again is the same
-- hash. Two different ids of one bucket would count once if their 64-bit hashes were equal: for a bucket of a
-- million events the chance is about 3 in 100 million.
-- The move loses nothing and doubles nothing: each new view writes before its backfill starts, the old views
-- stop after the backfills end, and a set absorbs an id added twice. The old tables stay, no longer written or
-- read (migrations drop no data); their views are dropped.
CREATE TABLE IF NOT EXISTS mention_sets_minute
(
    bucket DateTime('UTC'),
    platform String,
    brand String,
    signal String,
    events AggregateFunction(uniqExact, UInt64)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, platform, brand, signal);

CREATE MATERIALIZED VIEW IF NOT EXISTS mention_sets_minute_mv TO mention_sets_minute AS
SELECT toStartOfMinute(created_at) AS bucket, platform, arrayJoin(if(empty(brands), [''], brands)) AS brand,
       arrayJoin(arrayConcat(['mention'], signals)) AS signal, uniqExactState(cityHash64(event_id)) AS events
FROM mentions
GROUP BY bucket, platform, brand, signal;

CREATE TABLE IF NOT EXISTS mention_sets_hour
(
    bucket DateTime('UTC'),
    platform String,
    brand String,
    signal String,
    events AggregateFunction(uniqExact, UInt64)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, platform, brand, signal);

CREATE MATERIALIZED VIEW IF NOT EXISTS mention_sets_hour_mv TO mention_sets_hour AS
SELECT toStartOfHour(created_at) AS bucket, platform, arrayJoin(if(empty(brands), [''], brands)) AS brand,
       arrayJoin(arrayConcat(['mention'], signals)) AS signal, uniqExactState(cityHash64(event_id)) AS events
FROM mentions
GROUP BY bucket, platform, brand, signal;

CREATE TABLE IF NOT EXISTS term_sets_daily
(
    day Date,
    brand String,
    term String,
    events AggregateFunction(uniqExact, UInt64)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (brand, day, term);

CREATE MATERIALIZED VIEW IF NOT EXISTS term_sets_daily_mv TO term_sets_daily AS
SELECT toDate(created_at) AS day, arrayJoin(arrayConcat([''], brands)) AS brand,
       arrayJoin(arrayConcat(keywords, arrayMap(h -> concat('#', h, '#'), hashtags))) AS term,
       uniqExactState(cityHash64(event_id)) AS events
FROM mentions
GROUP BY day, brand, term;

-- The mentions stored before this migration, every version (as the old sets hold them).
INSERT INTO mention_sets_minute
SELECT toStartOfMinute(created_at) AS bucket, platform, arrayJoin(if(empty(brands), [''], brands)) AS brand,
       arrayJoin(arrayConcat(['mention'], signals)) AS signal, uniqExactState(cityHash64(event_id)) AS events
FROM mentions
GROUP BY bucket, platform, brand, signal;

INSERT INTO mention_sets_hour
SELECT toStartOfHour(created_at) AS bucket, platform, arrayJoin(if(empty(brands), [''], brands)) AS brand,
       arrayJoin(arrayConcat(['mention'], signals)) AS signal, uniqExactState(cityHash64(event_id)) AS events
FROM mentions
GROUP BY bucket, platform, brand, signal;

INSERT INTO term_sets_daily
SELECT toDate(created_at) AS day, arrayJoin(arrayConcat([''], brands)) AS brand,
       arrayJoin(arrayConcat(keywords, arrayMap(h -> concat('#', h, '#'), hashtags))) AS term,
       uniqExactState(cityHash64(event_id)) AS events
FROM mentions
GROUP BY day, brand, term;

DROP TABLE IF EXISTS mention_rollup_minute_mv;

DROP TABLE IF EXISTS mention_rollup_hour_mv;

DROP TABLE IF EXISTS term_rollup_daily_mv;

-- The views of 002, 003 and 016 (same columns and figures) over the new sets.
DROP TABLE IF EXISTS rollup_minute;

CREATE VIEW IF NOT EXISTS rollup_minute AS
SELECT bucket, platform, brand, signal, uniqExactMerge(events) AS events
FROM mention_sets_minute
GROUP BY bucket, platform, brand, signal;

DROP TABLE IF EXISTS rollup_hour;

CREATE VIEW IF NOT EXISTS rollup_hour AS
SELECT bucket, platform, brand, signal, uniqExactMerge(events) AS events
FROM mention_sets_hour
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
        FROM mention_sets_hour
        WHERE signal = 'mention' AND brand != ''
        GROUP BY day, brand
    )
    GROUP BY day
)
ARRAY JOIN day_brands AS brand, day_mentions AS mentions;

DROP TABLE IF EXISTS buyers_by_brand_daily;

CREATE VIEW IF NOT EXISTS buyers_by_brand_daily AS
SELECT toDate(bucket) AS day, brand, platform, uniqExactMerge(events) AS buyers
FROM mention_sets_hour
WHERE signal = 'buyer'
GROUP BY day, brand, platform;

DROP TABLE IF EXISTS term_mentions_daily;

CREATE VIEW IF NOT EXISTS term_mentions_daily AS
SELECT day, brand, term, uniqExactMerge(events) AS mentions
FROM term_sets_daily
GROUP BY day, brand, term;
