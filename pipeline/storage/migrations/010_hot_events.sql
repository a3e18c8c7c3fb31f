-- Hot events: each post's event, as the worker's event index assigned it before the write
-- (pipeline/monitor/events.py), stored with the mention: a replay writes the same mention again and
-- changes no figure (the views read mentions FINAL). '' for comments and for mentions stored before
-- this migration or with SOCIALLISTEN_EVENTS_ENABLED=false.
-- hot_event_how: 'new' (first post of its event), 'copy' (near-duplicate of an earlier post), 'repost'
-- (joined its root post's event); hot_event_distance: SimHash bits to the matched post (copies);
-- simhash: of the own text (0: a repost, a comment, or too short to compare).
ALTER TABLE mentions ADD COLUMN hot_event String;
ALTER TABLE mentions ADD COLUMN hot_event_how String;
ALTER TABLE mentions ADD COLUMN hot_event_distance UInt8;
ALTER TABLE mentions ADD COLUMN simhash UInt64;

-- One row per event: first post and its text, size, spread and the share of suspected low-quality authors
-- (the audience model's profile rule, pipeline/monitor/audience.py suspect_account, when they wrote).
CREATE VIEW IF NOT EXISTS hot_events AS
SELECT event_id, first_at, last_at, first_post, first_text, posts, copies, reposts, authors, suspect_authors,
       suspect_authors / authors AS low_quality_share, platforms, brands
FROM
(
    SELECT hot_event AS event_id,
           min(created_at) AS first_at,
           max(created_at) AS last_at,
           argMin(mention_id, created_at) AS first_post,
           argMin(substringUTF8(text, 1, 200), created_at) AS first_text,
           count() AS posts,
           countIf(hot_event_how = 'copy') AS copies,
           countIf(hot_event_how = 'repost') AS reposts,
           uniqExact(author_id) AS authors,
           uniqExactIf(author_id, suspect = 1) AS suspect_authors,
           arraySort(groupUniqArray(platform)) AS platforms,
           arraySort(groupUniqArrayArray(brands)) AS brands
    FROM
    (
        SELECT hot_event, event_id AS mention_id, hot_event_how, created_at, text, author_id, platform, brands,
               toUInt8((author_followers < 50 AND author_posts >= 2000)
                       OR (toUInt32(author_created) > 0
                           AND toInt64(toUInt32(created_at)) - toInt64(toUInt32(author_created)) < 30 * 86400
                           AND author_followers < 100)) AS suspect
        FROM mentions FINAL
        WHERE hot_event != ''
    )
    GROUP BY hot_event
);

-- Size of each event over time: posts per event and hour (UTC).
CREATE VIEW IF NOT EXISTS hot_events_hourly AS
SELECT hot_event AS event_id, toStartOfHour(created_at) AS hour, count() AS posts
FROM mentions FINAL
WHERE hot_event != ''
GROUP BY hot_event, hour;
