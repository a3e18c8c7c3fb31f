"""Run a search on ClickHouse: a page of hits by keyset, the counts, and blocks of rows for export.

All statements read ``mentions FINAL`` (one row per event, the latest version) and take every
value as a parameter. Pages are keyset-paginated on (sort key, event_id), newest or most engaged
first, so page N costs what page 1 costs and rows inserted meanwhile do not shift the pages.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from pipeline.search.models import Bucket, Counts, Cursor, Hit, Page, Search, day_bounds
from pipeline.search.parse import parse
from pipeline.search.query import SqlBuilder
from pipeline.storage import ClickHouse

HIT_COLUMNS = tuple(Hit.model_fields)
_SORT_KEY = {"time": "toUInt32(created_at)", "engagement": "(reposts + comments + likes)"}
MAX_BRAND_BUCKETS = 50


def where(search: Search, builder: SqlBuilder | None = None) -> tuple[str, dict[str, Any]]:
    """The WHERE condition of ``search`` (query and time range) and its parameters."""
    b = builder or SqlBuilder()
    parts = [b.condition(parse(search.q))]
    if search.from_ is not None:
        parts.append(f"created_at >= {b.param(search.from_)}")
    if search.to is not None:
        parts.append(f"created_at < {b.param(search.to)}")
    return " AND ".join(parts), b.params


def _keyset(search: Search, cursor: Cursor | None, b: SqlBuilder) -> tuple[str, str]:
    key = _SORT_KEY[search.sort]
    order = f"{key} DESC, event_id DESC"
    if cursor is None:
        return "1", order
    k, e = b.param(cursor.key), b.param(cursor.event_id)
    return f"({key} < {k} OR ({key} = {k} AND event_id < {e}))", order


def select_block(
    ch: ClickHouse, search: Search, columns: Sequence[str], limit: int, cursor: Cursor | None
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """Up to ``limit`` rows after ``cursor`` and the cursor after them (None when no more)."""
    b = SqlBuilder()
    cond, params = where(search, b)
    after, order = _keyset(search, cursor, b)
    cols = ", ".join(dict.fromkeys([*columns, "event_id"]))
    sql = (f"SELECT {cols}, {_SORT_KEY[search.sort]} AS _key FROM mentions FINAL "
           f"WHERE {cond} AND {after} ORDER BY {order} LIMIT {int(limit) + 1}")
    rows = ch.query(sql, params)
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = Cursor(key=int(rows[-1]["_key"]), event_id=rows[-1]["event_id"]) if more and rows else None
    return rows, nxt


def _hit(row: dict[str, Any]) -> Hit:
    values = {c: row[c] for c in HIT_COLUMNS}
    try:
        values["evidence"] = orjson.loads(row["evidence"] or "{}")
    except orjson.JSONDecodeError:
        values["evidence"] = {}
    if not isinstance(values["evidence"], dict):
        values["evidence"] = {"evidence": values["evidence"]}
    return Hit.model_validate(values)


def page(ch: ClickHouse, search: Search, limit: int = 50, cursor: str | None = None) -> Page:
    """One page of hits (without counts)."""
    rows, nxt = select_block(ch, search, HIT_COLUMNS, limit, Cursor.decode(cursor) if cursor else None)
    return Page(hits=[_hit(r) for r in rows], next_cursor=nxt.encode() if nxt else None)


def _narrow(q: str, field: str, value: str) -> str:
    extra = f'{field}:"{value}"'
    return f"({q}) AND {extra}" if q.strip() else extra


def counts(ch: ClickHouse, search: Search) -> Counts:
    """Hits by UTC day, brand and platform, each with the search that lists its mentions."""
    cond, params = where(search)
    base = f"FROM mentions FINAL WHERE {cond}"
    days = ch.query(f"SELECT toDate(created_at) AS k, count() AS n {base} GROUP BY k ORDER BY k", params)
    brands = ch.query(f"SELECT arrayJoin(brands) AS k, count() AS n {base} GROUP BY k ORDER BY n DESC, k "
                      f"LIMIT {MAX_BRAND_BUCKETS}", params)
    platforms = ch.query(f"SELECT platform AS k, count() AS n {base} GROUP BY k ORDER BY n DESC, k", params)
    by_day = []
    for r in days:
        start, end = day_bounds(r["k"])
        lo = max(start, search.from_.astimezone(UTC)) if search.from_ else start
        hi = min(end, search.to.astimezone(UTC)) if search.to else end
        by_day.append(Bucket(key=r["k"].isoformat(), count=r["n"], q=search.q, from_=lo, to=hi))
    return Counts(
        total=sum(int(r["n"]) for r in days),
        by_day=by_day,
        by_brand=[Bucket(key=r["k"], count=r["n"], q=_narrow(search.q, "brand", r["k"]), from_=search.from_,
                         to=search.to) for r in brands if '"' not in r["k"]],
        by_platform=[Bucket(key=r["k"], count=r["n"], q=_narrow(search.q, "platform", r["k"]), from_=search.from_,
                            to=search.to) for r in platforms if '"' not in r["k"]],
    )


def blocks(ch: ClickHouse, search: Search, columns: Sequence[str], block: int = 5000) -> Iterator[list[dict[str, Any]]]:
    """Every matching row, ``block`` at a time (constant memory: one block is held at once)."""
    cursor: Cursor | None = None
    while True:
        rows, cursor = select_block(ch, search, columns, block, cursor)
        if rows:
            yield rows
        if cursor is None:
            return


def now_utc() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)
