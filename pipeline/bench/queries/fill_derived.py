"""The tables the worker's Python code fills (not materialized views), filled server-side from ``mentions``.

Cascade metrics from the cascade nodes (one row per root post with reposts, as the cascade tracker
writes), desk cases for a quarter of the service requests with their revisions, transitions and
messages (as the case agent writes them), spike alerts and their deliveries, tracked links with their
clicks, page-view beacons and orders, audience overrides and saved searches.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pipeline.bench.queries.fill_mentions import CAMPAIGNS, DAYS
from pipeline.storage import ClickHouse

CASCADE_PART_ROWS = 1_000_000
"""Mentions per part of the cascade fill."""


def _array(values: Sequence[str]) -> str:
    return "[" + ", ".join("'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in values) + "]"


# in parts (by root): one GROUP BY over 10 M mentions' nodes went over the local server's 4 GB per query
CASCADES_SQL = """
INSERT INTO cascades
SELECT root_id, platform, root_author, root_text, root_created_at, brands, size, reposts, 0, max_depth,
       [level1, reposts - level1], if(reposts = 0, 0., level1 / reposts),
       if(reposts = 0, 0., 1. + (reposts - level1) / reposts), reach, unique_reposters, suspect_share,
       0., top_spreaders, arrayMap(x -> toUInt32(1), top_spreaders),
       toUInt8(suspect_share >= 0.5 AND reposts >= 5), round(suspect_share * reposts, 2),
       first_repost_at, last_repost_at, last_repost_at, 1
FROM
(
    SELECT root_id, anyIf(platform, is_root = 1) AS platform, anyIf(author_id, is_root = 1) AS root_author,
           anyIf(root_text, is_root = 1) AS root_text, minIf(created_at, is_root = 1) AS root_created_at,
           anyIf(brands, is_root = 1) AS brands, toUInt32(count()) AS size,
           toUInt32(countIf(is_root = 0)) AS reposts, toUInt32(countIf(is_root = 0 AND empty(repost_chain))) AS level1,
           toUInt16(if(countIf(is_root = 0) = 0, 0, 1 + max(length(repost_chain)))) AS max_depth,
           sum(followers) AS reach, toUInt32(uniqExactIf(author_id, is_root = 0)) AS unique_reposters,
           if(countIf(is_root = 0) = 0, 0., sumIf(suspect_account, is_root = 0) / countIf(is_root = 0))
               AS suspect_share,
           arraySlice(groupUniqArrayIf(author_id, is_root = 0), 1, 3) AS top_spreaders,
           minIf(created_at, is_root = 0) AS first_repost_at, max(created_at) AS last_repost_at
    FROM cascade_nodes
    WHERE cityHash64(root_id) % {parts} = {part}
    GROUP BY root_id
    HAVING countIf(is_root = 1) = 1 AND reposts > 0
)
"""

CASE_ID = "concat(substring(lower(hex(MD5(event_id))), 1, 16), '-1')"
"""A case id as the desk writes them (16 hex digits, a dash, a number)."""

_CASE_SOURCE = f"""
SELECT {CASE_ID} AS case_id, event_id, thread_id, platform, author_id, author_name, author_followers,
       author_verified, author_verified_type, text, service_category AS category, priority, sentiment, sentiment_score,
       if(empty(brands), '', brands[1]) AS brand, created_at AS opened_at,
       1 + intHash64(cityHash64(event_id)) % if(created_at < toDateTime({{end}}) - 86400, 4, 2) AS stages,
       arrayJoin(range(toUInt64(stages))) + 1 AS revision,
       ['new', 'claimed', 'replied', 'resolved'][revision] AS status,
       if(revision >= 2, concat('agent', toString(cityHash64(event_id) % 8)), '') AS assignee,
       opened_at + 60 * (revision - 1) * (5 + intHash64(cityHash64(event_id) + 1) % 300) AS at
FROM mentions
WHERE service_request = 1 AND cityHash64(event_id) % 4 = 0
"""

DESK_CASES_SQL = f"""
INSERT INTO desk_cases
SELECT case_id, concat(platform, ':', author_id, ':', thread_id), thread_id, platform, '', author_id, author_name,
       author_followers, author_verified, author_verified_type, text, category, priority, priority, sentiment,
       sentiment_score, brand, status, assignee, 0, opened_at, opened_at, opened_at, at,
       opened_at + if(priority = 'urgent', 1800, 4 * 3600), opened_at + 2 * 86400,
       if(revision >= 3, toNullable(at), NULL), if(revision >= 4, toNullable(at), NULL), 0, 0, revision
FROM ({_CASE_SOURCE})
"""

DESK_EVENTS_SQL = f"""
INSERT INTO desk_case_events
SELECT case_id, revision, at, ['open', 'claim', 'reply', 'resolve'][revision],
       if(revision = 1, 'system', assignee), if(revision = 1, '', ['new', 'claimed', 'replied'][revision - 1]),
       status, assignee, '', event_id, platform, category, brand, priority
FROM ({_CASE_SOURCE})
"""

DESK_MESSAGES_SQL = f"""
INSERT INTO desk_case_messages
SELECT {CASE_ID}, event_id, kind, created_at, text
FROM mentions
WHERE service_request = 1 AND cityHash64(event_id) % 4 = 0
"""


def _iso(column: str) -> str:
    return f"concat(replaceOne(toString({column}, 'UTC'), ' ', 'T'), 'Z')"


def _alerts_sql(rows: int, end: int, brands: Sequence[str]) -> str:
    n = max(100, rows // 5000)
    window = f"toDateTime({end} - 300 - intHash64(number) % ({DAYS} * 86400 - 600))"
    payload = (
        "concat('{\"alert_id\":\"', alert_id, '\",\"brand\":\"', brand, '\",\"signal\":\"', signal, "
        f"'\",\"window_start\":\"', {_iso('ws')}, '\",\"window_end\":\"', {_iso('ws + 300')}, "
        f"'\",\"fired_at\":\"', {_iso('ws + 305')}, '\",\"count\":', toString(cnt), "
        "',\"baseline_mean\":4.5,\"baseline_std\":2.1,\"baseline_windows\":12,\"threshold\":10.8,"
        "\"score\":', toString(score), ',\"severity\":\"', severity, '\",\"explanation\":\"more than usual\"}')"
    )
    return f"""
INSERT INTO alerts
SELECT alert_id, brand, signal, ws, ws + 300, ws + 305, cnt, 4.5, 2.1, 10.8, score, severity, ['快递', '质量'],
       ['a1', 'a2'], ['b1'], 'more than usual', {payload}, 1
FROM (SELECT number, {_array(brands)}[1 + intHash64(number + 4) % {len(brands)}] AS brand,
             ['mention', 'negative', 'service_request', 'competitor_mention'][1 + intHash64(number + 5) % 4] AS signal,
             toDateTime(toUInt32({window}) - toUInt32({window}) % 300) AS ws,
             concat(brand, '|', signal, '|', toString(toUInt32(ws))) AS alert_id,
             20 + intHash64(number + 1) % 500 AS cnt,
             3. + (intHash64(number + 2) % 100) / 10. AS score,
             ['low', 'medium', 'high'][1 + intHash64(number + 3) % 3] AS severity
      FROM numbers({n}))
"""


def _tracking_sql(rows: int, end: int) -> list[str]:
    clicks = max(1000, rows // 20)
    visitors = max(100, clicks // 2)
    start = end - DAYS * 86400
    at = f"toDateTime({start} + intHash64(number) % ({DAYS} * 86400 - 3600))"
    visitor = f"concat('v', toString(intHash64(number + 9) % {visitors}))"
    code = "concat('L', toString(intHash64(number + 8) % 200))"
    return [
        f"""INSERT INTO tracked_links SELECT concat('L', toString(number)), 'https://shop.example.com/p',
            {_array(CAMPAIGNS)}[1 + number % {len(CAMPAIGNS)}], concat('b', toString(number * 32)), 'weibo',
            concat('a', toString(number % 50)), toDateTime({start}), 'bench', 1 FROM numbers(200)""",
        f"""INSERT INTO clicks SELECT concat('c', toString(number)), {code}, {at}, 'https://weibo.com/', 'mobile',
            {visitor}, 'h', toUInt8(number % 20 = 0), 1 FROM numbers({clicks})""",
        f"""INSERT INTO visits SELECT concat('w', toString(number), ':', toString(seq)), concat('w', toString(number)),
            seq, if(seq = 0, 'view', 'leave'), {visitor}, {code}, {at} + 30 * seq, seq * (intHash64(number) % 60000),
            '/p', 'mobile', toUInt8(number % 20 = 0), 1
            FROM (SELECT number, arrayJoin([0, 1]) AS seq FROM numbers({clicks}))""",
        f"""INSERT INTO conversions SELECT concat('o', toString(number)), {at} + 600, 1000 + intHash64(number) % 50000,
            'CNY', {visitor}, '', '', '', '', '', 'shop', 1
            FROM (SELECT number * 20 + 1 AS number FROM numbers({clicks // 20}))""",
    ]


def _small_tables_sql(end: int) -> list[str]:
    return [
        f"""INSERT INTO audience_overrides SELECT 'weibo', concat('a', toString(number)),
            ['real_customer', 'high_value', ''][1 + number % 3], 'bench', 'bench', toDateTime({end}), 1
            FROM numbers(100)""",
        f"""INSERT INTO saved_searches SELECT concat('s', toString(number)), 'reader',
            concat('search ', toString(number)), '牛奶 AND platform:weibo', toDateTime({end}), 0, 1 FROM numbers(20)""",
        """INSERT INTO alert_deliveries SELECT alert_id, 'webhook', 'sent', 1, '', fired_at, 2 FROM alerts""",
    ]


def derived_statements(rows: int, end: datetime, brands: Sequence[str]) -> list[tuple[str, str]]:
    """(label, statement) of every derived fill, in order (after ``mentions`` is filled)."""
    end_ts = int(end.timestamp())
    parts = max(1, rows // CASCADE_PART_ROWS)
    out = [("cascades", CASCADES_SQL.format(parts=parts, part=i)) for i in range(parts)]
    out += [("desk cases", DESK_CASES_SQL.replace("{end}", str(end_ts))),
           ("desk transitions", DESK_EVENTS_SQL.replace("{end}", str(end_ts))), ("desk messages", DESK_MESSAGES_SQL),
           ("alerts", _alerts_sql(rows, end_ts, brands))]
    out += [("tracking", sql) for sql in _tracking_sql(rows, end_ts)]
    out += [("audience overrides, saved searches, deliveries", sql) for sql in _small_tables_sql(end_ts)]
    return out


def fill_derived(ch: ClickHouse, rows: int, end: datetime, brands: Sequence[str]) -> None:
    """Run every derived fill."""
    for _label, sql in derived_statements(rows, end, brands):
        ch.execute(sql)
