-- Deep tracking views (docs/tracking.md). Exact under replay: clicks and links are read with FINAL,
-- beacons are reduced with max/min/uniqExact (a repeated beacon changes none of them), conversions
-- with FINAL. The API and the report compute the same funnel with the attribution window of
-- SOCIALLISTEN_ATTRIBUTION_DAYS (pipeline/tracking/funnel.py); conversion_attribution below, for BI,
-- uses the default window of 7 days.

-- Every click (deduplicated) with its link's campaign, post, platform and account.
CREATE VIEW IF NOT EXISTS link_clicks AS
SELECT click_id, code, clicked_at, visitor_id, ua_class, bot, campaign, post_id, platform, account
FROM (SELECT click_id, code, clicked_at, visitor_id, ua_class, bot FROM clicks FINAL) AS c
ANY LEFT JOIN (SELECT code, campaign, post_id, platform, account FROM tracked_links FINAL) AS l USING code;

-- One row per page view: its first beacon's time, its longest visible time, how many beacons.
CREATE VIEW IF NOT EXISTS visit_views AS
SELECT view_id, any(visitor_id) AS visitor_id, any(code) AS code, min(at) AS started_at,
       max(dwell_ms) AS dwell_ms, max(bot) AS bot, uniqExact(seq) AS beacons
FROM visits
GROUP BY view_id;

-- One row per visitor and landing code ('' = not from a tracked link): time on site is the sum of
-- the visitor's page views' dwell. bot: a known bot agent, or a burst of 3+ page views with no dwell.
CREATE VIEW IF NOT EXISTS tracked_visitors AS
SELECT visitor_id, code, first_seen, views, total_dwell_ms AS dwell_ms, is_bot AS bot, campaign, post_id, platform,
       account
FROM
(
    SELECT visitor_id, code, min(started_at) AS first_seen, count() AS views, sum(dwell_ms) AS total_dwell_ms,
           toUInt8(max(bot) = 1 OR (count() >= 3 AND max(dwell_ms) = 0)) AS is_bot
    FROM visit_views
    GROUP BY visitor_id, code
) AS v
ANY LEFT JOIN (SELECT code, campaign, post_id, platform, account FROM tracked_links FINAL) AS l USING code;

-- Each order with the code of the last non-bot click of its visitor (or of its code / utm_content)
-- within 7 days before it; code '' = unattributed.
CREATE VIEW IF NOT EXISTS conversion_attribution AS
SELECT order_id, ordered_at, amount_cents, currency, code, campaign, post_id, platform, account
FROM
(
    SELECT order_id, any(o_at) AS ordered_at, any(o_cents) AS amount_cents, any(o_currency) AS currency,
           argMaxIf(click_code, click_at,
                    click_at <= o_at AND toUInt32(click_at) + 7 * 86400 >= toUInt32(o_at)) AS code
    FROM
    (
        SELECT order_id, ordered_at AS o_at, amount_cents AS o_cents, currency AS o_currency,
               multiIf(visitor_id != '', concat('v:', visitor_id), code != '', concat('c:', code),
                       utm_content != '', concat('c:', utm_content), '') AS match_key
        FROM conversions FINAL
    ) AS o
    ALL LEFT JOIN
    (
        SELECT arrayJoin([concat('v:', visitor_id), concat('c:', code)]) AS match_key, code AS click_code,
               clicked_at AS click_at
        FROM clicks FINAL
        WHERE bot = 0
    ) AS k USING match_key
    GROUP BY order_id
) AS a
ANY LEFT JOIN (SELECT code, campaign, post_id, platform, account FROM tracked_links FINAL) AS l USING code;
