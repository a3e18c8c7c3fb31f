-- Enriched mentions: one row per unique event after merges (replays replace, never add).
-- Read with FINAL (or through the views) to see exactly one row per event: the highest version.
-- Times are DateTime('UTC') so that partitions, buckets and days do not depend on the server's
-- time zone. created_at never changes for an event, so all its versions share a partition and
-- FINAL (which deduplicates within a partition) always sees them together.
CREATE TABLE IF NOT EXISTS mentions
(
    event_id String,
    platform String,
    kind String,
    thread_id String,
    root_id String,
    parent_id String,
    author_id String,
    author_name String,
    author_verified UInt8,
    author_verified_type String,
    author_followers UInt64,
    author_following UInt64,
    author_posts UInt64,
    created_at DateTime('UTC'),
    ingested_at DateTime('UTC'),
    title String,
    text String,
    own_text String,
    urls Array(String),
    campaign String,
    reposts UInt64,
    comments UInt64,
    likes UInt64,
    reads Nullable(UInt64),
    tokens Array(String),
    keywords Array(String),
    mentions Array(String),
    hashtags Array(String),
    emoticons Array(String),
    repost_chain Array(String),
    repost_depth UInt16,
    brands Array(String),
    competitors Array(String),
    own_brand UInt8,
    buyer UInt8,
    service_request UInt8,
    service_category String,
    priority String,
    purchase_intent UInt8,
    sentiment String,
    sentiment_score Float32,
    evidence String,
    signals Array(String),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(created_at)
ORDER BY event_id;

-- Dead letters, keyed by a hash of the original bytes: the same bad message is one row.
-- Not partitioned: received_at differs between deliveries of the same message, and
-- ReplacingMergeTree only deduplicates within a partition. Dead letters are few.
CREATE TABLE IF NOT EXISTS dead_letters
(
    dl_id String,
    source_topic String,
    `partition` UInt32,
    `offset` UInt64,
    stage String,
    reason String,
    error String,
    raw_b64 String,
    raw_preview String,
    received_at DateTime('UTC'),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY dl_id;
