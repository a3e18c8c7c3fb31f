"""Reads of the engagement indices (``post_performance``, ``account_index_daily``; migration 011)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline.storage import ClickHouse


def account_index(ch: ClickHouse, platform: str, author_id: str, since: date | None = None,
                  until: date | None = None) -> list[dict[str, Any]]:
    """One account's index, reach and engagement rates per day (oldest first)."""
    cond = ["platform = %(platform)s", "author_id = %(author)s"]
    if since is not None:
        cond.append("day >= %(since)s")
    if until is not None:
        cond.append("day <= %(until)s")
    return ch.query(f"SELECT * FROM account_index_daily WHERE {' AND '.join(cond)} ORDER BY day",
                    {"platform": platform, "author": author_id, "since": since, "until": until})


def post_performance(ch: ClickHouse, event_id: str) -> dict[str, Any] | None:
    """One post's (or article's) counts, index, reach and engagement rates; None if unknown or a comment."""
    rows = ch.query("SELECT * FROM post_performance WHERE event_id = %(e)s", {"e": event_id})
    return rows[0] if rows else None
