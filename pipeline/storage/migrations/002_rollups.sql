-- Rollups by minute and hour x platform x brand x signal. Each bucket keeps the SET of event
-- ids (uniqExactState), so an event inserted again after a crash or replay merges into the
-- same set: counts stay exact without FINAL. Cost: a 128-bit hash per event per bucket row.
-- Every row counts under signal 'mention'; an event without a lexicon brand has brand ''.
-- Caveat (docs/storage.md): a later version of an event that changes its brands or signals
-- adds it to the new buckets but cannot remove it from the old ones.
CREATE TABLE IF NOT EXISTS mention_rollup_minute
(
    bucket DateTime('UTC'),
    platform String,
    brand String,
    signal String,
    events AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, platform, brand, signal);

CREATE MATERIALIZED VIEW IF NOT EXISTS mention_rollup_minute_mv TO mention_rollup_minute AS
SELECT
    toStartOfMinute(created_at) AS bucket,
    platform,
    arrayJoin(if(empty(brands), [''], brands)) AS brand,
    arrayJoin(arrayConcat(['mention'], signals)) AS signal,
    uniqExactState(event_id) AS events
FROM mentions
GROUP BY bucket, platform, brand, signal;

CREATE TABLE IF NOT EXISTS mention_rollup_hour
(
    bucket DateTime('UTC'),
    platform String,
    brand String,
    signal String,
    events AggregateFunction(uniqExact, String)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, platform, brand, signal);

CREATE MATERIALIZED VIEW IF NOT EXISTS mention_rollup_hour_mv TO mention_rollup_hour AS
SELECT
    toStartOfHour(created_at) AS bucket,
    platform,
    arrayJoin(if(empty(brands), [''], brands)) AS brand,
    arrayJoin(arrayConcat(['mention'], signals)) AS signal,
    uniqExactState(event_id) AS events
FROM mentions
GROUP BY bucket, platform, brand, signal;

CREATE VIEW IF NOT EXISTS rollup_minute AS
SELECT bucket, platform, brand, signal, uniqExactMerge(events) AS events
FROM mention_rollup_minute
GROUP BY bucket, platform, brand, signal;

CREATE VIEW IF NOT EXISTS rollup_hour AS
SELECT bucket, platform, brand, signal, uniqExactMerge(events) AS events
FROM mention_rollup_hour
GROUP BY bucket, platform, brand, signal;
