-- Hot events: each post's event, as the worker's event index assigned it (pipeline/monitor/events.py).
-- One row per mention (ReplacingMergeTree by mention id, the newest assignment wins): a replayed batch
-- writes the same rows again and changes no figure. created_at never changes for a mention, so all its
-- versions share a partition and FINAL sees them together.
-- how: 'new' (first post of its event), 'copy' (near-duplicate of an earlier post), 'repost' (joined its
-- root post's event). suspect_account: the profile rule of pipeline/monitor/audience.py, when it wrote.
CREATE TABLE IF NOT EXISTS event_members
(
    mention_id String,
    event_id String,
    how String,
    distance UInt8,
    platform String,
    kind String,
    author_id String,
    suspect_account UInt8,
    created_at DateTime('UTC'),
    simhash UInt64,
    brands Array(String),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(created_at)
ORDER BY mention_id;

-- One row per event: first post, size, spread and the share of suspected low-quality authors (the first
-- post's text is in mentions: the API and the dashboard look it up there).
CREATE VIEW IF NOT EXISTS hot_events AS
SELECT event_id,
       min(created_at) AS first_at,
       max(created_at) AS last_at,
       argMin(mention_id, created_at) AS first_post,
       count() AS posts,
       countIf(how = 'copy') AS copies,
       countIf(how = 'repost') AS reposts,
       uniqExact(author_id) AS authors,
       uniqExactIf(author_id, suspect_account = 1) AS suspect_authors,
       suspect_authors / authors AS low_quality_share,
       arraySort(groupUniqArray(platform)) AS platforms,
       arraySort(groupUniqArrayArray(brands)) AS brands
FROM event_members FINAL
GROUP BY event_id;

-- Size of each event over time: posts per event and hour (UTC).
CREATE VIEW IF NOT EXISTS hot_events_hourly AS
SELECT event_id, toStartOfHour(created_at) AS hour, count() AS posts
FROM event_members FINAL
GROUP BY event_id, hour;
