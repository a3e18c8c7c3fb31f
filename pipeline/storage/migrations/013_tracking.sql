-- Deep tracking (docs/tracking.md): tracked links, and the clicks, visits and conversions the worker
-- reads from <prefix>clicks, <prefix>visits and <prefix>conversions. Every table is a ReplacingMergeTree
-- keyed by the event's own id, so a replayed event replaces itself; read with FINAL (or the views).
-- No raw IP address and no user agent: ip_hash is salted (the salt rotates daily), ua_class a class.

-- A link's target is fixed at creation: a code is created once (a newer version only repeats it).
CREATE TABLE IF NOT EXISTS tracked_links
(
    code String,
    target String,
    campaign String,
    post_id String,
    platform String,
    account String,
    created_at DateTime('UTC'),
    created_by String,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY code;

-- A click's time never changes, so its repeats share a partition and FINAL collapses them.
CREATE TABLE IF NOT EXISTS clicks
(
    click_id String,
    code String,
    clicked_at DateTime('UTC'),
    referrer String,
    ua_class String,
    visitor_id String,
    ip_hash String,
    bot UInt8,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(clicked_at)
ORDER BY click_id;

-- One row per beacon (page view, heartbeat, leave): event_id = view_id:seq.
CREATE TABLE IF NOT EXISTS visits
(
    event_id String,
    view_id String,
    seq UInt32,
    kind String,
    visitor_id String,
    code String,
    at DateTime('UTC'),
    dwell_ms UInt64,
    page String,
    ua_class String,
    bot UInt8,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(at)
ORDER BY event_id;

-- Orders, idempotent by order_id. Not partitioned: an order sent again with a corrected time must
-- still replace the first one (ReplacingMergeTree deduplicates within a partition only).
CREATE TABLE IF NOT EXISTS conversions
(
    order_id String,
    ordered_at DateTime('UTC'),
    amount_cents Int64,
    currency String,
    visitor_id String,
    code String,
    utm_source String,
    utm_medium String,
    utm_campaign String,
    utm_content String,
    source String,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY order_id;
