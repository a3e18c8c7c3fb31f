-- campaign_participants counts distinct authors over every stored version of the mentions instead of reading
-- mentions FINAL twice (docs/benchmark.md#bi-and-api-latency): a read took 2.0 s at 10,000,000 mentions on
-- 18.16, 0.4 s without FINAL, with the same figures. A replayed mention is stored again with the same values;
-- a later version that drops a campaign tag or link keeps its author counted, as the rollups keep an event
-- (docs/storage.md). Columns and rules of 015, with joins that mean the same on 18.16 and on current releases:
-- from ClickHouse 20 on, ANY INNER JOIN keeps one row per key of the left side too, so 015's counted one author
-- per platform and segment on chDB.
DROP TABLE IF EXISTS campaign_participants;

CREATE VIEW IF NOT EXISTS campaign_participants AS
SELECT campaign, platform, segment, uniqExact(author_id) AS participants
FROM
(
    SELECT campaign, platform, segment, author_id
    FROM
    (
        SELECT arrayJoin(arrayFilter(c -> c != '', arrayConcat([campaign], hashtags))) AS campaign, platform,
               author_verified_type AS segment, author_id
        FROM mentions
    )
    WHERE campaign IN (SELECT campaign FROM tracked_links FINAL)
    UNION ALL
    SELECT campaign, platform, segment, author_id
    FROM
    (
        SELECT extract(arrayJoin(urls), '/l/([A-Za-z0-9_-]{4,32})') AS code, platform,
               author_verified_type AS segment, author_id
        FROM mentions
        WHERE arrayExists(u -> position(u, '/l/') > 0, urls)
    ) AS linked
    ALL INNER JOIN (SELECT code, campaign FROM tracked_links FINAL) AS l USING code
)
GROUP BY campaign, platform, segment;
