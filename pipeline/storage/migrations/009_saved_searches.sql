-- Saved searches, per user (the API's /api/searches): versioned rows; deleting one writes a newer
-- version with deleted = 1. Few rows: not partitioned.
CREATE TABLE IF NOT EXISTS saved_searches
(
    search_id String,
    owner String,
    name String,
    q String,
    created_at DateTime('UTC'),
    deleted UInt8,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (owner, search_id);
