-- The audience and cascade node tables are derived from mentions by ClickHouse itself: one insert of a
-- batch of mentions fills them in the same call (no second insert, no second pass over the batch in
-- the worker). Rows written before this migration stay as they are; both tables keep their keys,
-- so a replayed mention still lands on the same audience and node rows.

-- What the views need that mentions did not hold yet: the author's account creation time (0 = unknown)
-- and the fingerprint of the event's own text (pipeline/text/fingerprint.py; 0 = too short to compare).
ALTER TABLE mentions ADD COLUMN author_created DateTime('UTC');
ALTER TABLE mentions ADD COLUMN text_hash UInt64;

-- One audience observation per event (pipeline/monitor/audience.py reads them through author_quality).
CREATE MATERIALIZED VIEW IF NOT EXISTS audience_events_mv TO audience_events AS
SELECT platform, author_id, event_id, created_at, author_name, author_verified_type AS verified_type,
       author_followers AS followers, author_posts AS posts, author_created AS account_created, brands, buyer,
       purchase_intent, text_hash, version
FROM mentions;

-- One node per root post (post or article) and per repost that names its root (a repost's thread_id is
-- its root_id, which never equals its own id); comments are not nodes.
-- suspect_account: followers < 50 with 2000+ posts, or an account younger than 30 days with < 100
-- followers when it wrote (pipeline/monitor/audience.py suspect_account).
CREATE MATERIALIZED VIEW IF NOT EXISTS cascade_nodes_mv TO cascade_nodes AS
SELECT if(kind = 'repost', thread_id, event_id) AS root_id, event_id, platform, parent_id, author_id, author_name,
       repost_chain, author_followers AS followers, author_posts AS posts, created_at, text_hash,
       toUInt8((author_followers < 50 AND author_posts >= 2000)
               OR (toUInt32(author_created) > 0
                   AND toInt64(toUInt32(created_at)) - toInt64(toUInt32(author_created)) < 30 * 86400
                   AND author_followers < 100)) AS suspect_account,
       toUInt8(kind != 'repost') AS is_root,
       if(kind = 'repost', '', substringUTF8(text, 1, 200)) AS root_text,
       brands, version
FROM mentions
WHERE kind != 'comment' AND (kind != 'repost' OR thread_id != event_id);
