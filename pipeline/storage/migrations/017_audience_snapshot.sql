-- Audience quality from a periodic snapshot (docs/monitoring.md#audience-snapshot). The per-author views of
-- 005 aggregated every author's whole history (audience_events FINAL, three times) on every read: 4-5 s at
-- 2,000,000 mentions on 18.16, growing with the data. The leader worker now computes them every
-- SOCIALLISTEN_AUDIENCE_REFRESH_SECONDS (pipeline/monitor/audience_snapshot.py, the same rules as 005) into the
-- two tables below, and the views read the latest complete refresh.
--
-- A refresh writes into one of three slots, the one after the latest complete refresh's, with its own
-- number as the version: rows of an older refresh in that slot are replaced in background merges, so the
-- tables hold about three refreshes. Readers pick the slot and number of the latest refresh recorded in
-- audience_refreshes, which a refresh appends to only once both tables are written.
CREATE TABLE IF NOT EXISTS author_quality_snapshot
(
    slot UInt8,
    refresh UInt32,
    platform String,
    author_id String,
    author_name String,
    verified_type String,
    followers UInt64,
    posts UInt64,
    account_created DateTime,
    first_seen DateTime,
    last_seen DateTime,
    events UInt64,
    compared_texts UInt64,
    distinct_texts UInt64,
    copied_texts UInt64,
    buyer UInt8,
    purchase_intent UInt8,
    suspect UInt8,
    high_value UInt8,
    computed_segments Array(String)
)
ENGINE = ReplacingMergeTree(refresh)
PARTITION BY slot
ORDER BY (slot, platform, author_id);

-- Distinct authors per day, brand and segment, with the segments (overrides applied) of the refresh.
CREATE TABLE IF NOT EXISTS audience_composition_snapshot
(
    slot UInt8,
    refresh UInt32,
    day Date,
    brand String,
    segment String,
    authors UInt64
)
ENGINE = ReplacingMergeTree(refresh)
PARTITION BY slot
ORDER BY (slot, day, brand, segment);

-- One row per complete refresh: its number (the Unix time it started), slot, when it ended, authors, seconds.
CREATE TABLE IF NOT EXISTS audience_refreshes
(
    refresh UInt32,
    slot UInt8,
    finished_at DateTime,
    authors UInt64,
    seconds Float64
)
ENGINE = ReplacingMergeTree()
ORDER BY refresh;

DROP TABLE IF EXISTS audience_composition_daily;

DROP TABLE IF EXISTS author_quality;

DROP TABLE IF EXISTS author_stats;

-- Per-author statistics as of the latest refresh (columns of 005, and when the refresh started).
CREATE VIEW IF NOT EXISTS author_stats AS
SELECT platform, author_id, author_name, verified_type, followers, posts, account_created, first_seen, last_seen,
       events, compared_texts, distinct_texts, buyer, purchase_intent, copied_texts, suspect, high_value,
       computed_segments, toDateTime(refresh) AS refreshed_at
FROM author_quality_snapshot
WHERE slot = (SELECT argMax(slot, refresh) FROM audience_refreshes)
  AND refresh = (SELECT max(refresh) FROM audience_refreshes);

-- Audience quality per author (rules of 005). An override replaces the computed segments at once, without
-- waiting for the next refresh.
CREATE VIEW IF NOT EXISTS author_quality AS
SELECT platform, author_id, author_name, verified_type, followers, posts, account_created, first_seen, last_seen,
       events, compared_texts, distinct_texts, copied_texts, buyer, purchase_intent,
       suspect, high_value, override_segment,
       if(override_segment != '', [override_segment], computed_segments) AS segments,
       segments[1] AS segment, refreshed_at
FROM author_stats
ANY LEFT JOIN
(
    SELECT platform, author_id, segment AS override_segment
    FROM audience_overrides FINAL
) AS o USING (platform, author_id);

-- Audience composition: distinct authors per day, brand and segment, with the authors' segments as of
-- the latest refresh (an author may be in several segments, e.g. real_customer and high_value).
CREATE VIEW IF NOT EXISTS audience_composition_daily AS
SELECT day, brand, segment, authors, toDateTime(refresh) AS refreshed_at
FROM audience_composition_snapshot
WHERE slot = (SELECT argMax(slot, refresh) FROM audience_refreshes)
  AND refresh = (SELECT max(refresh) FROM audience_refreshes);
