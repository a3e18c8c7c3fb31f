"""Fill ``mentions`` with N realistic rows server-side, so that its materialized views fire as in production.

A few thousand sample events go through the worker's own pure functions (decode, validate, analyse,
row mapping) into a ``bench_templates`` table; then each ``INSERT INTO mentions ... SELECT`` of a chunk
of ``numbers(N)`` joins row ``n`` to template ``n % T`` for its text and analysis (brands, signals,
sentiment, buyer, service and intent flags, keywords: the analyzer's real distributions) and draws the
rest from hashes of ``n``: authors by a power law (a few write a lot), their followers and post counts
per author, 90 days of times (one cascade in 90 starts today, between midnight and the end, so that
panels of "today" read a day's volume at any hour), cascades (every 32 rows a root post and its
reposts, one or two levels deep), hot events, groups, campaigns and a small share of copied texts (water army).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pipeline.search.sample_rows import analysed_rows
from pipeline.storage import ClickHouse
from pipeline.storage.tables import MENTION_COLUMNS
from pipeline.text import TextAnalyzer

TEMPLATES = 5000
"""Analysed sample events that the rows take their text and analysis from."""
CASCADE = 32
"""Rows per cascade group: row ``32k`` is a root post, the group's reposts and comments point at it."""
DAYS = 90
CHUNK = 250_000
"""Rows per INSERT (1,000,000 with the views outlasted the client's timeout on a loaded machine)."""
CAMPAIGNS = ("双十一狂欢", "618年中大促", "新品首发", "会员日", "春节礼盒")
"""Campaign names (the tracked links of :mod:`.fill_derived` use them too)."""

_CAMPAIGN_ARRAY = "[" + ", ".join(f"'{c}'" for c in CAMPAIGNS) + "]"
_TEMPLATE_COLUMNS = [c for c in MENTION_COLUMNS if c not in ("event_id",)]


def _u(n: str, salt: int) -> str:
    """A uniform number in [0, 1) from a hash of ``n`` (SQL)."""
    return f"(intHash64({n} * 1000003 + {salt}) % 1000000) / 1000000."


def _expressions(rows: int, end: datetime) -> dict[str, str]:
    """The SQL of each column that is not the template's, for row ``n`` (group root ``r``)."""
    authors = max(1000, rows // 8)
    events = max(10, rows // 300)
    end_ts = int(end.timestamp())
    span = DAYS * 86400 - 6 * 3600
    day_start = f"toUnixTimestamp(toStartOfDay(toDateTime({end_ts})))"
    today = f"{day_start} + intHash64(r * 7 + 3) % greatest({end_ts} - 60 - {day_start}, 1)"
    before = f"{end_ts} - 6 * 3600 - intHash64(r * 7 + 3) % {span}"
    root_time = f"if(intHash64(r * 7 + 5) % {DAYS} = 0, toInt64({today}), toInt64({before}))"
    a = "a_rank"
    return {
        "event_id": "concat('b', toString(n))",
        "kind": "if(n = r, if(t_kind = 'article', 'article', 'post'), t_kind)",
        "thread_id": "if(n = r OR t_kind IN ('post', 'article'), concat('b', toString(n)), concat('b', toString(r)))",
        "root_id": "if(n = r OR t_kind IN ('post', 'article'), '', concat('b', toString(r)))",
        "parent_id": "if(n = r OR t_kind IN ('post', 'article'), '', if(deep, concat('b', toString(n - 1)), "
                     "concat('b', toString(r))))",
        "repost_chain": "if(t_kind = 'repost' AND n != r AND deep, [concat('b', toString(n - 1))], emptyArrayString())",
        "repost_depth": "toUInt16(if(t_kind = 'repost' AND n != r, if(deep, 2, 1), 0))",
        "author_id": f"concat('a', toString({a}))",
        "author_name": f"concat('用户', toString({a}))",
        "author_verified_type": f"multiIf({_u(a, 11)} < 0.83, 'none', {_u(a, 11)} < 0.91, 'personal', "
                                f"{_u(a, 11)} < 0.95, 'media', {_u(a, 11)} < 0.98, 'enterprise', 'kol')",
        "author_verified": f"toUInt8({_u(a, 11)} >= 0.83)",
        "author_followers": f"toUInt64(exp(1.5 + 13 * pow({_u(a, 12)}, 2.5)))",
        "author_following": f"toUInt64(exp(2 + 5 * {_u(a, 13)}))",
        "author_posts": f"toUInt64(exp(2 + 7 * {_u(a, 14)}))",
        "author_created": f"toDateTime({end_ts} - toUInt32(86400 * (1 + 3000 * pow({_u(a, 15)}, 2))))",
        "created_at": f"toDateTime(least({end_ts} - 60, {root_time} + (n - r) * (intHash64(n) % 900)))",
        "ingested_at": f"toDateTime(least({end_ts} - 55, {root_time} + (n - r) * (intHash64(n) % 900) + 5))",
        "campaign": f"if({_u('n', 16)} < 0.01, {_CAMPAIGN_ARRAY}[1 + intHash64(n) % {len(CAMPAIGNS)}], '')",
        "text_hash": f"if({_u('n', 17)} < 0.03 OR t_text_hash = 0, t_text_hash, intHash64(n * 31 + 5))",
        "simhash": f"if(t_simhash = 0 OR {_u('n', 17)} < 0.03, t_simhash, intHash64(n * 37 + 9))",
        "hot_event": f"multiIf(t_kind = 'comment' AND n != r, '', {_u('r', 18)} < 0.3, "
                     f"concat('ev', toString(intHash64(r * 5 + 1) % {events})), '')",
        "hot_event_how": f"multiIf(t_kind = 'comment' AND n != r, '', {_u('r', 18)} >= 0.3, '', n = r, "
                         f"if({_u('r', 19)} < 0.5, 'new', 'copy'), t_kind = 'repost', 'repost', 'copy')",
        "group_id": f"if(t_platform IN ('qq', 'wechat', 'xiaohongshu') AND {_u('n', 20)} < 0.3, "
                    f"concat('g', toString(intHash64(n) % 500)), '')",
        "_author": f"toUInt64({authors} * pow({_u('n', 10)}, 3)) AS a_rank",
    }


def make_templates(ch: ClickHouse, analyzer: TextAnalyzer, end: datetime, n: int = TEMPLATES) -> int:
    """Analyse ``n`` sample events and store them in ``bench_templates``; the number stored."""
    ch.execute("DROP TABLE IF EXISTS bench_templates")
    ch.execute("CREATE TABLE bench_templates AS mentions ENGINE = Memory")
    stored = 0
    for rows in analysed_rows(n, analyzer, seed=7, end=end, days=float(DAYS)):
        ch.insert("bench_templates", MENTION_COLUMNS, rows)
        stored += len(rows)
    return stored


def insert_sql(start: int, count: int, rows: int, templates: int, end: datetime) -> str:
    """``INSERT INTO mentions`` of rows ``start`` .. ``start + count - 1``."""
    exprs = _expressions(rows, end)
    own = {k: v for k, v in exprs.items() if not k.startswith("_")}
    select = ", ".join(own.get(c, f"t_{c}") + f" AS {c}" for c in MENTION_COLUMNS)
    right = ", ".join(f"{c} AS t_{c}" for c in _TEMPLATE_COLUMNS)
    return (
        f"INSERT INTO mentions ({', '.join(MENTION_COLUMNS)}) SELECT {select} FROM "
        f"(SELECT number AS n, n - n % {CASCADE} AS r, toUInt64(number % {templates}) AS tid, "
        f"{_u('n', 21)} < 0.3 AND n - r >= 2 AS deep, {exprs['_author']} FROM numbers({start}, {count})) AS g "
        f"ANY LEFT JOIN (SELECT toUInt64(rowNumberInAllBlocks()) AS tid, {right} FROM bench_templates) AS t USING tid"
    )


def fill_mentions(ch: ClickHouse, rows: int, templates: int, end: datetime,
                  advance: Callable[[int], None]) -> None:
    """Insert ``rows`` mentions in chunks (the materialized views fill the rollups, audience and nodes)."""
    for start in range(0, rows, CHUNK):
        count = min(CHUNK, rows - start)
        ch.execute(insert_sql(start, count, rows, templates, end))
        advance(count)
