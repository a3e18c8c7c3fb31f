-- Alert deliveries to the team's channels (pipeline/monitor/channels): one row per alert, channel and
-- state. 'sending' is written before a message leaves and 'sent' / 'failed' / 'unknown' after, with a
-- higher version, so a leader that restarts (or a new leader after a failover) never sends an alert
-- to a channel a second time: whatever state it finds, the pair is done.
CREATE TABLE IF NOT EXISTS alert_deliveries
(
    alert_id String,
    channel String,
    state String,
    attempts UInt32,
    detail String,
    at DateTime,
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(at)
ORDER BY (alert_id, channel);
