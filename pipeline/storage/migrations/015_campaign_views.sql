-- Campaign participation and the KOL view (docs/tracking.md).

-- Participants: distinct authors of mentions that carry a campaign (its name in the event's campaign
-- field or as a hashtag) or a tracked link of it (/l/CODE in a URL), by platform and segment (the
-- account's verification type).
CREATE VIEW IF NOT EXISTS campaign_participants AS
SELECT campaign, platform, segment, uniqExact(author_id) AS participants
FROM
(
    SELECT campaign, platform, segment, author_id
    FROM
    (
        SELECT arrayJoin(arrayFilter(c -> c != '', arrayConcat([campaign], hashtags))) AS campaign, platform,
               author_verified_type AS segment, author_id
        FROM mentions FINAL
    ) AS tagged
    ANY INNER JOIN (SELECT DISTINCT campaign FROM tracked_links FINAL) AS l USING campaign
    UNION ALL
    SELECT campaign, platform, segment, author_id
    FROM
    (
        SELECT extract(arrayJoin(urls), '/l/([A-Za-z0-9_-]{4,32})') AS code, platform,
               author_verified_type AS segment, author_id
        FROM mentions FINAL
        WHERE arrayExists(u -> position(u, '/l/') > 0, urls)
    ) AS linked
    ANY INNER JOIN (SELECT code, campaign FROM tracked_links FINAL) AS l USING code
)
GROUP BY campaign, platform, segment;

-- Which accounts (authors of the posts that carried tracked links) drove clicks, visitors and orders.
CREATE VIEW IF NOT EXISTS kol_funnel AS
SELECT account, platform, clicks, visitors, orders, revenue_cents
FROM
(
    SELECT account, platform, clicks, visitors
    FROM (SELECT account, platform, count() AS clicks FROM link_clicks WHERE bot = 0 AND account != ''
          GROUP BY account, platform) AS c
    ANY LEFT JOIN (SELECT account, platform, uniqExact(visitor_id) AS visitors FROM tracked_visitors
                   WHERE bot = 0 AND account != '' GROUP BY account, platform) AS v USING account, platform
) AS cv
ANY LEFT JOIN (SELECT account, platform, count() AS orders, sum(amount_cents) AS revenue_cents
               FROM conversion_attribution WHERE account != '' GROUP BY account, platform) AS o USING account, platform;
