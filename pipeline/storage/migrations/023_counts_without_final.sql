-- service_requests_daily, buyer_topics_daily and competitor_terms_daily count distinct event ids over every
-- stored version instead of reading mentions FINAL (docs/benchmark.md#bi-and-api-latency). ClickHouse 18.16
-- pushes a filter on a view into the view's query, but never into a FINAL read nor through a subquery with
-- arrayJoin: a 30-day read of each of them aggregated all of mentions FINAL (about 2 s at 10,000,000 mentions);
-- without FINAL the day filter reaches the scan, the scan runs on every core, and replays still count once.
-- The figures are those of the rollups of 002: a replayed event is stored again with the same values, so it
-- counts once; a later version that changes an event's category, sentiment, brands or keywords adds it to the
-- new rows but cannot remove it from the old ones (docs/storage.md).
DROP TABLE IF EXISTS service_requests_daily;

CREATE VIEW IF NOT EXISTS service_requests_daily AS
SELECT toDate(created_at) AS day, service_category AS category, platform,
       arrayJoin(if(empty(brands), [''], brands)) AS brand, uniqExact(event_id) AS requests
FROM mentions
WHERE service_request = 1
GROUP BY day, category, platform, brand;

DROP TABLE IF EXISTS buyer_topics_daily;

-- Columns of 005; a mention counts once per brand and keyword (the keyword that is the brand's name left out).
CREATE VIEW IF NOT EXISTS buyer_topics_daily AS
SELECT toDate(created_at) AS day, arrayJoin(brands) AS brand, sentiment, arrayJoin(keywords) AS keyword,
       uniqExact(event_id) AS mentions
FROM mentions
WHERE buyer = 1 AND notEmpty(brands) AND keyword != brand
GROUP BY day, brand, sentiment, keyword;

DROP TABLE IF EXISTS competitor_terms_daily;

-- Columns of 005; a mention counts once per competitor and term.
CREATE VIEW IF NOT EXISTS competitor_terms_daily AS
SELECT toDate(created_at) AS day, arrayJoin(competitors) AS competitor, arrayJoin(keywords) AS term,
       uniqExact(event_id) AS mentions
FROM mentions
WHERE notEmpty(competitors) AND term != competitor
GROUP BY day, competitor, term;
