-- Platform and group roles from the audience snapshot (017): each aggregated every mention ever stored
-- (mentions FINAL) on every read, 1.7 s for platform_roles at 2,000,000 mentions on 18.16 and growing with
-- the data. A refresh (pipeline/monitor/audience_snapshot.py, the rules of 012) now writes them with the
-- authors, in the same slot and under the same number; the views read the latest complete refresh.
CREATE TABLE IF NOT EXISTS platform_roles_snapshot
(
    slot UInt8,
    refresh UInt32,
    brand String,
    platform String,
    mentions UInt64,
    posts UInt64,
    authors UInt64,
    reach UInt64,
    avg_depth Nullable(Float64),
    max_depth UInt16,
    reposts_per_post Nullable(Float64),
    comments_per_post Nullable(Float64),
    buyer_share Float64,
    service_share Float64,
    low_quality_share Float64,
    groups UInt64
)
ENGINE = ReplacingMergeTree(refresh)
PARTITION BY slot
ORDER BY (slot, brand, platform);

CREATE TABLE IF NOT EXISTS group_roles_snapshot
(
    slot UInt8,
    refresh UInt32,
    brand String,
    platform String,
    group_id String,
    mentions UInt64,
    authors UInt64,
    posts UInt64,
    comments UInt64,
    buyer_share Float64,
    service_share Float64
)
ENGINE = ReplacingMergeTree(refresh)
PARTITION BY slot
ORDER BY (slot, brand, platform, group_id);

DROP TABLE IF EXISTS platform_roles;

DROP TABLE IF EXISTS group_roles;

-- Per brand ('' = every mention) and platform, as of the latest refresh (columns and rules of 012).
CREATE VIEW IF NOT EXISTS platform_roles AS
SELECT brand, platform, mentions, posts, authors, reach, avg_depth, max_depth, reposts_per_post, comments_per_post,
       buyer_share, service_share, low_quality_share, groups, toDateTime(refresh) AS refreshed_at
FROM platform_roles_snapshot
WHERE slot = (SELECT argMax(slot, refresh) FROM audience_refreshes)
  AND refresh = (SELECT max(refresh) FROM audience_refreshes);

-- The same per group (circle), as of the latest refresh.
CREATE VIEW IF NOT EXISTS group_roles AS
SELECT brand, platform, group_id, mentions, authors, posts, comments, buyer_share, service_share,
       toDateTime(refresh) AS refreshed_at
FROM group_roles_snapshot
WHERE slot = (SELECT argMax(slot, refresh) FROM audience_refreshes)
  AND refresh = (SELECT max(refresh) FROM audience_refreshes);
