-- Service desk: case state, its audit trail and the messages of each case (versioned rows:
-- the case agent writes every transition; replays rewrite the same (case, revision) rows).
CREATE TABLE IF NOT EXISTS desk_cases
(
    case_id String,
    case_key String,
    thread_id String,
    platform String,
    link String,
    author_id String,
    author_name String,
    author_followers UInt64,
    author_verified UInt8,
    author_verified_type String,
    text String,
    category String,
    detector_priority String,
    priority String,
    sentiment String,
    sentiment_score Float32,
    brand String,
    status String,
    assignee String,
    escalated UInt8,
    opened_at DateTime,
    first_message_at DateTime,
    last_message_at DateTime,
    updated_at DateTime,
    first_response_due DateTime,
    resolution_due DateTime,
    first_response_at Nullable(DateTime),
    resolved_at Nullable(DateTime),
    reopen_count UInt32,
    repeats UInt32,
    revision UInt64
)
ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(opened_at)
ORDER BY case_id;

-- Every transition of every case (open, follow_up, claim, reply, resolve, reopen, assign, escalate).
CREATE TABLE IF NOT EXISTS desk_case_events
(
    case_id String,
    revision UInt64,
    at DateTime,
    op String,
    actor String,
    from_status String,
    to_status String,
    assignee String,
    note String,
    event_id String,
    platform String,
    category String,
    brand String,
    priority String
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (case_id, revision);

-- The author's events joined to each case (the thread the agent sees).
CREATE TABLE IF NOT EXISTS desk_case_messages
(
    case_id String,
    event_id String,
    kind String,
    created_at DateTime,
    text String
)
ENGINE = ReplacingMergeTree()
ORDER BY (case_id, event_id);

-- One row per case (latest revision) with SLA measures in minutes.
CREATE VIEW IF NOT EXISTS desk_cases_latest AS
SELECT
    *,
    toDate(opened_at) AS day,
    if(isNull(first_response_at), NULL, (toUInt32(assumeNotNull(first_response_at)) - toUInt32(opened_at)) / 60) AS first_response_minutes,
    if(isNull(resolved_at), NULL, (toUInt32(assumeNotNull(resolved_at)) - toUInt32(opened_at)) / 60) AS resolution_minutes,
    (isNull(first_response_at) AND now() > first_response_due)
        OR (isNotNull(first_response_at) AND assumeNotNull(first_response_at) > first_response_due) AS first_response_breached,
    (isNull(resolved_at) AND now() > resolution_due)
        OR (isNotNull(resolved_at) AND assumeNotNull(resolved_at) > resolution_due) AS resolution_breached
FROM desk_cases FINAL;

-- Per day (the case's opening day) x category x platform x brand: volume, response and resolution times, breaches.
CREATE VIEW IF NOT EXISTS desk_sla_daily AS
SELECT
    day, category, platform, brand,
    count() AS cases_opened,
    countIf(isNotNull(first_response_at)) AS cases_answered,
    countIf(status = 'resolved') AS cases_resolved,
    avgIf(first_response_minutes, isNotNull(first_response_minutes)) AS avg_first_response_minutes,
    quantileIf(0.9)(first_response_minutes, isNotNull(first_response_minutes)) AS p90_first_response_minutes,
    avgIf(resolution_minutes, isNotNull(resolution_minutes)) AS avg_resolution_minutes,
    quantileIf(0.9)(resolution_minutes, isNotNull(resolution_minutes)) AS p90_resolution_minutes,
    countIf(first_response_breached) AS first_response_breaches,
    countIf(resolution_breached) AS resolution_breaches
FROM desk_cases_latest
GROUP BY day, category, platform, brand;

-- Backlog per day: cases open at the end of each day (opened that day or before, not resolved by then).
CREATE VIEW IF NOT EXISTS desk_backlog_daily AS
SELECT
    day, category, platform, brand,
    count() AS open_cases,
    countIf(resolution_due < toDateTime(day + 1)) AS overdue_cases
FROM
(
    SELECT
        category, platform, brand, resolution_due,
        arrayJoin(arrayMap(i -> toDate(opened_at) + i,
            range(toUInt64(toRelativeDayNum(ifNull(resolved_at, now())) - toRelativeDayNum(opened_at) + 1)))) AS day,
        resolved_at
    FROM desk_cases_latest
)
WHERE isNull(resolved_at) OR toDate(assumeNotNull(resolved_at)) > day
GROUP BY day, category, platform, brand;
