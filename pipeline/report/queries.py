"""The report's SQL. Every value is a ``%(name)s`` parameter (escaped by :mod:`pipeline.storage.sql`).

Runs on clickhouse-server 18.16 and current ClickHouse (chDB): no window functions, one FINAL read
per query; the previous period is read in the same pass as the current one (``cur`` = 1 for the
current period). ``%(brand)s`` = '' means every mention.
"""

from __future__ import annotations

_WINDOW = "created_at >= %(prev_start)s AND created_at < %(end)s"
_SCOPE = "(%(brand)s = '' OR has(brands, %(brand)s))"

COUNTS = (
    "SELECT toUInt8(created_at >= %(start)s) AS cur, count() AS n_mentions, sum(buyer) AS n_buyers, "
    "sum(service_request) AS n_service, sum(purchase_intent) AS n_intent, "
    "countIf(sentiment = 'positive') AS n_positive, countIf(sentiment = 'neutral') AS n_neutral, "
    "countIf(sentiment = 'negative') AS n_negative "
    f"FROM mentions FINAL WHERE {_WINDOW} AND {_SCOPE} GROUP BY cur"
)

CATEGORIES = (
    "SELECT service_category AS k, toUInt8(created_at >= %(start)s) AS cur, count() AS n "
    f"FROM mentions FINAL WHERE {_WINDOW} AND {_SCOPE} AND service_request = 1 GROUP BY k, cur"
)

# arrayDistinct: an event naming a brand twice counts once for it (as in share_of_voice_daily).
SHARE_OF_VOICE = (
    "SELECT b AS brand, countIf(created_at >= %(start)s) AS cur, countIf(created_at < %(start)s) AS prev "
    f"FROM mentions FINAL ARRAY JOIN arrayDistinct(brands) AS b WHERE {_WINDOW} "
    "GROUP BY brand ORDER BY cur DESC, prev DESC, brand"
)

SERIES = (
    "SELECT b AS brand, intDiv(toInt64(toUInt32(created_at)) - %(start_ts)s, %(step)s) AS bucket, count() AS n "
    "FROM mentions FINAL ARRAY JOIN arrayDistinct(brands) AS b "
    "WHERE created_at >= %(start)s AND created_at < %(end)s AND b IN %(brands)s GROUP BY brand, bucket"
)

TOP_POSTS = (
    "SELECT event_id, platform, author_name, created_at, substringUTF8(text, 1, 280) AS excerpt, "
    "toUInt64(reposts + comments + likes) AS engagement, sentiment "
    f"FROM mentions FINAL WHERE created_at >= %(start)s AND created_at < %(end)s AND {_SCOPE} "
    "ORDER BY engagement DESC, created_at DESC, event_id LIMIT %(limit)s"
)

TOP_AUTHORS = (
    "SELECT platform, author_id, argMax(author_name, created_at) AS name, max(author_followers) AS followers, "
    "count() AS n, sum(reposts + comments + likes) AS engagement "
    f"FROM mentions FINAL WHERE created_at >= %(start)s AND created_at < %(end)s AND {_SCOPE} "
    "GROUP BY platform, author_id ORDER BY n DESC, engagement DESC, author_id LIMIT %(limit)s"
)

_CASCADE_WHERE = (
    "WHERE root_created_at >= %(start)s AND root_created_at < %(end)s AND reposts > 0 AND "
    "(%(brand)s = '' OR has(brands, %(brand)s))"
)

CASCADES = (
    "SELECT root_id, platform, root_author, root_text, size, max_depth, unique_reposters, suspect_share, "
    "suspected_amplification, amplification_score "
    f"FROM cascades FINAL {_CASCADE_WHERE} "
    "ORDER BY suspected_amplification DESC, size DESC, root_id LIMIT %(limit)s"
)

AMPLIFIED = f"SELECT countIf(suspected_amplification = 1) AS n FROM cascades FINAL {_CASCADE_WHERE}"

# An alert with no brand (every mention) belongs in every brand's report.
ALERTS = (
    "SELECT fired_at, brand, signal, `count` AS n, threshold, severity, explanation "
    "FROM alerts FINAL WHERE fired_at >= %(start)s AND fired_at < %(end)s "
    "AND (%(brand)s = '' OR brand = %(brand)s OR brand = '') ORDER BY fired_at, alert_id LIMIT %(limit)s"
)

_DESK_SCOPE = "(%(brand)s = '' OR brand = %(brand)s)"

DESK_OPENED = (
    "SELECT toUInt8(opened_at >= %(start)s) AS cur, count() AS opened, "
    "countIf(isNotNull(first_response_at)) AS answered, countIf(status = 'resolved') AS resolved, "
    "sumIf(first_response_minutes, isNotNull(first_response_minutes)) AS response_minutes, "
    "countIf(first_response_breached) AS response_breaches, countIf(resolution_breached) AS resolution_breaches "
    "FROM desk_cases_latest WHERE opened_at >= %(prev_start)s AND opened_at < %(end)s "
    f"AND {_DESK_SCOPE} GROUP BY cur"
)

DESK_BACKLOG = (
    "SELECT count() AS open_cases, countIf(resolution_due < %(end)s) AS overdue "
    "FROM desk_cases_latest WHERE opened_at < %(end)s "
    "AND (isNull(resolved_at) OR assumeNotNull(resolved_at) >= %(end)s) "
    f"AND {_DESK_SCOPE}"
)

LATEST_DAY = "SELECT max(created_at) AS latest, count() AS n FROM mentions"
