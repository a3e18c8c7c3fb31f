-- Views BI tools query directly. They read deduplicated data (FINAL or the exact rollups).
-- Days are UTC days (toDate of a DateTime('UTC')).
CREATE VIEW IF NOT EXISTS mentions_latest AS
SELECT * FROM mentions FINAL;

-- Share of voice: mentions of each lexicon brand per day, and its share of all brand mentions.
CREATE VIEW IF NOT EXISTS share_of_voice_daily AS
SELECT day, brand, mentions, mentions / day_total AS share
FROM
(
    SELECT day, groupArray(brand) AS day_brands, groupArray(brand_mentions) AS day_mentions,
           sum(brand_mentions) AS day_total
    FROM
    (
        SELECT toDate(bucket) AS day, brand, uniqExactMerge(events) AS brand_mentions
        FROM mention_rollup_hour
        WHERE signal = 'mention' AND brand != ''
        GROUP BY day, brand
    )
    GROUP BY day
)
ARRAY JOIN day_brands AS brand, day_mentions AS mentions;

-- Unique buyer events per day, brand ('' when none) and platform, from the exact hourly sets.
CREATE VIEW IF NOT EXISTS buyers_by_brand_daily AS
SELECT toDate(bucket) AS day, brand, platform, uniqExactMerge(events) AS buyers
FROM mention_rollup_hour
WHERE signal = 'buyer'
GROUP BY day, brand, platform;

-- Service requests per day, category, platform and brand ('' when no brand): FINAL, so a later
-- version that is no longer a request drops out; uniqExact keeps a repeated brand from counting twice.
CREATE VIEW IF NOT EXISTS service_requests_daily AS
SELECT toDate(created_at) AS day, service_category AS category, platform,
       arrayJoin(if(empty(brands), [''], brands)) AS brand, uniqExact(event_id) AS requests
FROM mentions FINAL
WHERE service_request = 1
GROUP BY day, category, platform, brand;
