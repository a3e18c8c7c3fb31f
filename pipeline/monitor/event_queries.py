"""Reads of the hot events (``hot_events``, ``hot_events_hourly``; migration 010) for the API and pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline.storage import ClickHouse

MEMBER = ("SELECT event_id AS mention_id, hot_event_how AS how, hot_event_distance AS distance, platform, kind, "
          "author_id, author_name, created_at, substringUTF8(text, 1, 200) AS text FROM mentions FINAL ")


def hot_events(ch: ClickHouse, *, since: datetime | None = None, until: datetime | None = None,
               min_posts: int = 2, platform: str | None = None, brand: str | None = None,
               limit: int = 50) -> list[dict[str, Any]]:
    """Events with at least ``min_posts`` posts active in [since, until), largest first, with their hourly sizes."""
    cond = ["posts >= %(min)s"]
    if since is not None:
        cond.append("last_at >= %(since)s")
    if until is not None:
        cond.append("first_at < %(until)s")
    if platform:
        cond.append("has(platforms, %(platform)s)")
    if brand:
        cond.append("has(brands, %(brand)s)")
    params = {"min": min_posts, "since": since, "until": until, "platform": platform or "", "brand": brand or "",
              "limit": limit}
    rows = ch.query(f"SELECT * FROM hot_events WHERE {' AND '.join(cond)} "
                    "ORDER BY posts DESC, last_at DESC, event_id LIMIT %(limit)s", params)
    if not rows:
        return rows
    sizes: dict[str, list[dict[str, Any]]] = {r["event_id"]: [] for r in rows}
    for r in ch.query("SELECT event_id, hour, posts FROM hot_events_hourly WHERE event_id IN %(ids)s "
                      "ORDER BY event_id, hour", {"ids": tuple(sizes)}):
        sizes[r["event_id"]].append({"hour": r["hour"], "posts": r["posts"]})
    for r in rows:
        r["timeline"] = sizes[r["event_id"]]
    return rows


def hot_event(ch: ClickHouse, event_id: str, members: int = 100) -> dict[str, Any] | None:
    """One event with its hourly sizes and its first ``members`` posts (how each joined)."""
    rows = ch.query("SELECT * FROM hot_events WHERE event_id = %(e)s", {"e": event_id})
    if not rows:
        return None
    row = rows[0]
    row["timeline"] = ch.query("SELECT hour, posts FROM hot_events_hourly WHERE event_id = %(e)s ORDER BY hour",
                               {"e": event_id})
    row["members"] = ch.query(MEMBER + "WHERE hot_event = %(e)s ORDER BY created_at, event_id LIMIT %(n)s",
                              {"e": event_id, "n": members})
    return row
