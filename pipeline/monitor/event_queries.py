"""Reads of the hot events (``hot_events``, ``hot_events_hourly``; migrations 010, 020) for the API and pages."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from pipeline.monitor.audience import SUSPECT_SQL
from pipeline.storage import ClickHouse

MEMBER_FIELDS = ("created_at", "mention_id", "how", "distance", "platform", "kind", "author_id", "author_name", "text")
"""A member of an event (one of its posts and how it joined), in the order of ``ONE_EVENT``'s member tuples."""


_STATE_OF = {
    "posts": "uniqExactMerge(posts_state)",
    "first_at": "minMerge(first_at_state)",
    "last_at": "maxMerge(last_at_state)",
    "platforms": "groupUniqArrayMerge(platforms_state)",
    "brands": "groupUniqArrayArrayMerge(brands_state)",
}
"""The columns of the ``hot_events`` view (migration 022) that filters and the order use, from their states."""


def hot_events(ch: ClickHouse, *, since: datetime | None = None, until: datetime | None = None,
               min_posts: int = 2, platform: str | None = None, brand: str | None = None,
               limit: int = 50) -> list[dict[str, Any]]:
    """Events with at least ``min_posts`` posts active in [since, until), largest first, with their hourly sizes.

    The page's events are chosen from the states of the columns the filters and the order need, then
    read whole through the view with their ids (a condition 18.16 takes into the view's grouping):
    0.12-0.14 s against 0.5-0.6 s for ordering the view's every column at 31,000 events
    (docs/benchmark.md#bi-and-api-latency).
    """
    cond = [f"{_STATE_OF['posts']} >= %(min)s"]
    if since is not None:
        cond.append(f"{_STATE_OF['last_at']} >= %(since)s")
    if until is not None:
        cond.append(f"{_STATE_OF['first_at']} < %(until)s")
    if platform:
        cond.append(f"has({_STATE_OF['platforms']}, %(platform)s)")
    if brand:
        cond.append(f"has({_STATE_OF['brands']}, %(brand)s)")
    params = {"min": min_posts, "since": since, "until": until, "platform": platform or "", "brand": brand or "",
              "limit": limit}
    order = "posts DESC, last_at DESC, event_id"
    page = ch.query(f"SELECT hot_event AS event_id, {_STATE_OF['posts']} AS posts, {_STATE_OF['last_at']} AS last_at "
                    f"FROM hot_event_states GROUP BY hot_event HAVING {' AND '.join(cond)} "
                    f"ORDER BY {order} LIMIT %(limit)s", params)
    if not page:
        return page
    rows = ch.query(f"SELECT * FROM hot_events WHERE event_id IN %(ids)s ORDER BY {order}",
                    {"ids": tuple(r["event_id"] for r in page)})
    sizes: dict[str, list[dict[str, Any]]] = {r["event_id"]: [] for r in rows}
    if not rows:
        return rows
    for r in ch.query("SELECT event_id, hour, posts FROM hot_events_hourly WHERE event_id IN %(ids)s "
                      "ORDER BY event_id, hour", {"ids": tuple(sizes)}):
        sizes[r["event_id"]].append({"hour": r["hour"], "posts": r["posts"]})
    for r in rows:
        r["timeline"] = sizes[r["event_id"]]
    return rows


IN_EVENT = "event_id IN (SELECT event_id FROM mentions WHERE hot_event = %(e)s) AND hot_event = %(e)s"
"""The mentions of one event, as FINAL sees them: the ids whose versions name it, read through the primary key.

``FROM mentions FINAL WHERE hot_event = ...`` alone merges every partition first (``hot_events`` over all
mentions: 1-2 s at 2,000,000 mentions on 18.16); the mentions of one event are a few hundred granules."""

ONE_EVENT = f"""
SELECT hot_event AS event_id, min(created_at) AS first_at, max(created_at) AS last_at,
       argMin(mention_id, concat(toString(created_at), mention_id)) AS first_post,
       argMin(substringUTF8(text, 1, 200), concat(toString(created_at), mention_id)) AS first_text,
       count() AS posts, countIf(hot_event_how = 'copy') AS copies, countIf(hot_event_how = 'repost') AS reposts,
       uniqExact(author_id) AS authors, uniqExactIf(author_id, suspect = 1) AS suspect_authors,
       suspect_authors / authors AS low_quality_share,
       arraySort(groupUniqArray(platform)) AS platforms, arraySort(groupUniqArrayArray(brands)) AS brands,
       groupArray(toStartOfHour(created_at)) AS hour_of_each,
       arraySlice(arraySort(groupArray((created_at, mention_id, hot_event_how, hot_event_distance, platform, kind,
                                        author_id, author_name, substringUTF8(text, 1, 200)))), 1, %(n)s) AS first
FROM
(
    SELECT hot_event, event_id AS mention_id, hot_event_how, hot_event_distance, created_at, text, author_id,
           author_name, platform, kind, brands, toUInt8({SUSPECT_SQL}) AS suspect
    FROM mentions FINAL
    WHERE {IN_EVENT}
)
GROUP BY hot_event
"""
"""One row of the ``hot_events`` view (migrations 010 and 020: the same columns and rules), for one event, with
the hour of each of its mentions and its first ``n`` members (by time, then id) as tuples of :data:`MEMBER_FIELDS`:
one ``FINAL`` read of the event's granules instead of one for the row, one for the hours and one for the members."""


def hot_event(ch: ClickHouse, event_id: str, members: int = 100) -> dict[str, Any] | None:
    """One event with its hourly sizes and its first ``members`` posts (how each joined)."""
    rows = ch.query(ONE_EVENT, {"e": event_id, "n": members})
    if not rows:
        return None
    row = rows[0]
    hours = Counter(row.pop("hour_of_each"))
    row["timeline"] = [{"hour": hour, "posts": hours[hour]} for hour in sorted(hours)]
    row["members"] = [dict(zip(MEMBER_FIELDS, member, strict=True)) for member in row.pop("first")]
    return row
