"""Keeps one ``cascades`` row per root post up to date as reposts arrive.

Posts are keyed by thread (root post) id, so one worker sees every event of a cascade, but a
rebalance can move it to another worker. Rather than trusting an in-memory tree, each batch
writes its nodes to ``cascade_nodes`` (ordered by root id: a cascade is one index range) and then
re-reads the complete node list of every cascade the batch touched and recomputes its metrics.
Correct after rebalances and replays (rows are keyed by id, metrics rows are versioned).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pipeline.monitor.audience import account_age_days, suspect_account, text_hash
from pipeline.monitor.cascade import CascadeMetrics, CascadeNode, cascade_metrics
from pipeline.storage import ClickHouse
from pipeline.worker.enrich import Enriched
from schemas.events import Kind

log = logging.getLogger(__name__)

NODE_COLUMNS: tuple[str, ...] = (
    "root_id", "event_id", "platform", "parent_id", "author_id", "author_name", "repost_chain", "followers",
    "posts", "created_at", "text_hash", "suspect_account", "is_root", "root_text", "brands", "version",
)  # fmt: skip
CASCADE_COLUMNS: tuple[str, ...] = (
    "root_id", "platform", "root_author", "root_text", "root_created_at", "brands", "size", "reposts", "inferred",
    "max_depth", "level_counts", "level1_share", "structural_virality", "reach", "unique_reposters",
    "suspect_share", "duplicate_text_share", "top_spreaders", "top_spreader_descendants",
    "suspected_amplification", "amplification_score", "first_repost_at", "last_repost_at", "updated_at", "version",
)  # fmt: skip
ROOT_TEXT_CHARS = 200
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def node_row(item: Enriched, version: int) -> tuple[Any, ...] | None:
    """The ``cascade_nodes`` row of a post or repost (None for comments)."""
    ev, an, author = item.event, item.analysis, item.event.author
    if ev.kind is Kind.comment:
        return None
    is_root = ev.kind is not Kind.repost
    if not is_root and not ev.root_id:
        return None
    suspect = suspect_account(author.followers, author.posts, account_age_days(item))
    return (
        ev.id if is_root else ev.root_id, ev.id, ev.platform.value, ev.parent_id or "", author.id, author.name,
        list(an.repost_chain), author.followers, author.posts, ev.created_at,
        0 if is_root else text_hash(an.own_text), int(suspect), int(is_root),
        ev.text[:ROOT_TEXT_CHARS] if is_root else "", list(an.brands) if is_root else [], version,
    )


def to_node(row: dict[str, Any]) -> CascadeNode:
    """A stored node row as the pure cascade code wants it."""
    created = row["created_at"]
    ts = created.replace(tzinfo=UTC).timestamp() if created.tzinfo is None else created.timestamp()
    return CascadeNode(
        event_id=row["event_id"], parent_id=row["parent_id"], author_id=row["author_id"],
        author_name=row["author_name"], repost_chain=tuple(row["repost_chain"]), followers=int(row["followers"]),
        posts=int(row["posts"]), created_at=ts, text_hash=int(row["text_hash"]),
        suspect_account=bool(row["suspect_account"]),
    )


def cascade_row(root_id: str, rows: Sequence[dict[str, Any]], m: CascadeMetrics, version: int) -> tuple[Any, ...]:
    """The ``cascades`` row of one root post."""
    root = next((r for r in rows if r["is_root"] and r["event_id"] == root_id), None)
    reposts = [r for r in rows if not r["is_root"]]
    times = [r["created_at"] for r in reposts] or [_EPOCH]
    platform = root["platform"] if root else (reposts[0]["platform"] if reposts else "")
    return (
        root_id, platform, root["author_name"] if root else "", root["root_text"] if root else "",
        root["created_at"] if root else _EPOCH, list(root["brands"]) if root else [],
        m.size, m.reposts, m.inferred, m.max_depth, list(m.level_counts), m.level1_share, m.structural_virality,
        m.reach, m.unique_reposters, m.suspect_share, m.duplicate_text_share,
        [s.author_name for s in m.top_spreaders], [s.descendants for s in m.top_spreaders],
        int(m.suspected_amplification), m.amplification_score, min(times), max(times),
        datetime.now(UTC).replace(microsecond=0), version,
    )


class CascadeTracker:
    """Writes cascade nodes of a batch and refreshes the metrics of the cascades it touched."""

    def __init__(self, ch: ClickHouse) -> None:
        self.ch = ch
        self.updated = 0

    def update(self, items: Sequence[Enriched]) -> list[str]:
        """Blocking: store nodes, recompute touched cascades (those with reposts); return their root ids."""
        version = time.time_ns() // 1000
        rows = [r for r in (node_row(i, version) for i in items) if r is not None]
        if not rows:
            return []
        self.ch.insert("cascade_nodes", NODE_COLUMNS, rows)
        roots = sorted({r[0] for r in rows if not r[12]})
        if not roots:
            return []
        stored = self.ch.query(
            "SELECT root_id, event_id, platform, parent_id, author_id, author_name, repost_chain, followers, posts, "
            "created_at, text_hash, suspect_account, is_root, root_text, brands "
            "FROM cascade_nodes WHERE root_id IN %(roots)s",
            {"roots": tuple(roots)},
        )
        by_root: dict[str, dict[str, dict[str, Any]]] = {}
        for r in stored:
            by_root.setdefault(r["root_id"], {})[r["event_id"]] = r  # duplicates (replays) collapse
        out = []
        for root_id, nodes in by_root.items():
            node_rows = list(nodes.values())
            metrics = cascade_metrics(root_id, [to_node(r) for r in node_rows])
            out.append(cascade_row(root_id, node_rows, metrics, version))
        self.ch.insert("cascades", CASCADE_COLUMNS, out)
        self.updated += len(out)
        return roots

    def get(self, root_id: str) -> dict[str, Any] | None:
        """The latest metrics row of one cascade."""
        rows = self.ch.query("SELECT * FROM cascades FINAL WHERE root_id = %(r)s", {"r": root_id})
        return rows[0] if rows else None
