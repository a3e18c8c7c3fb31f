"""Saved searches per user, in the ``saved_searches`` table (migration 008): create, list, find, delete.

Rows are versioned (``ReplacingMergeTree(version)``): a delete writes a newer version with
``deleted = 1``; reads take the latest version of each search (``argMax``), so they are exact
before and after merges, on one server and through a cluster's Distributed table.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from pipeline.search.models import SavedSearch, SavedSearchIn
from pipeline.search.parse import parse
from pipeline.storage import ClickHouse

COLUMNS = ("search_id", "owner", "name", "q", "created_at", "deleted", "version")
MAX_PER_USER = 200

_LATEST = (
    "SELECT search_id, argMax(name, version) AS s_name, argMax(q, version) AS s_q, "
    "argMax(created_at, version) AS s_created, argMax(deleted, version) AS gone "
    "FROM saved_searches WHERE owner = %(owner)s {extra} GROUP BY search_id HAVING gone = 0 "
    "ORDER BY s_created DESC, search_id"
)


def _version() -> int:
    return time.time_ns() // 1000


def list_saved(ch: ClickHouse, owner: str) -> list[SavedSearch]:
    """The user's saved searches, newest first."""
    rows = ch.query(_LATEST.format(extra=""), {"owner": owner})
    return [_model(r, owner) for r in rows]


def get_saved(ch: ClickHouse, owner: str, search_id: str) -> SavedSearch | None:
    """One of the user's saved searches, or None."""
    rows = ch.query(_LATEST.format(extra="AND search_id = %(id)s"), {"owner": owner, "id": search_id})
    return _model(rows[0], owner) if rows else None


def _model(row: dict[str, object], owner: str) -> SavedSearch:
    created = row["s_created"]
    assert isinstance(created, datetime)
    return SavedSearch(search_id=str(row["search_id"]), owner=owner, name=str(row["s_name"]), q=str(row["s_q"]),
                       created_at=created.replace(tzinfo=UTC) if created.tzinfo is None else created)


def create_saved(ch: ClickHouse, owner: str, spec: SavedSearchIn) -> SavedSearch:
    """Store a search (its query must parse: QueryError otherwise); ValueError past :data:`MAX_PER_USER`."""
    parse(spec.q)
    if len(list_saved(ch, owner)) >= MAX_PER_USER:
        raise ValueError(f"a user keeps at most {MAX_PER_USER} saved searches: delete some first")
    saved = SavedSearch(search_id=uuid.uuid4().hex, owner=owner, name=spec.name, q=spec.q,
                        created_at=datetime.now(UTC).replace(microsecond=0))
    ch.insert("saved_searches", COLUMNS,
              [(saved.search_id, owner, saved.name, saved.q, saved.created_at, 0, _version())])
    return saved


def delete_saved(ch: ClickHouse, owner: str, search_id: str) -> bool:
    """Delete one of the user's searches; False when there is no such search."""
    found = get_saved(ch, owner, search_id)
    if found is None:
        return False
    ch.insert("saved_searches", COLUMNS,
              [(search_id, owner, found.name, found.q, found.created_at, 1, _version())])
    return True
