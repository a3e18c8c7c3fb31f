"""Keeps one ``cascades`` row per root post up to date as reposts arrive.

Posts are keyed by thread (root post) id, so one worker sees every event of a cascade, but a
rebalance can move it to another worker. The nodes reach ``cascade_nodes`` (ordered by root id: a
cascade is one index range) with the mentions themselves, through the ``cascade_nodes_mv``
materialized view; after each stored batch the tracker recomputes the metrics of every cascade the
batch's reposts touched from the cascade's complete node list.

The node lists live in a bounded cache (:data:`CACHE_MAX_NODES`; least recently touched cascades
are dropped after each batch, never one the batch touched, so a batch touching more than the bound
holds them all until it is done; a dropped cascade whose metrics are owed is written first, and
stays if that write fails). A cascade missing from it is read back from ``cascade_nodes`` once;
after that a batch only adds its own nodes, so the storage cost of a batch does not grow with the
size of the cascades it touches.
The worker empties the cache whenever its partitions change (:meth:`CascadeTracker.forget`): a
cascade that moved away and back is read again, with what the other worker added meanwhile.
Correct after rebalances and replays (nodes are keyed by event id, metrics rows are versioned).

Recomputing a cascade costs time in proportion to its size (about 25 µs a node: over a second
for a 50,000-repost post), and a viral post is touched by nearly every batch. So a cascade is
recomputed when touched only if :data:`REFRESH_COST_SHARE` of the time since its last
recomputation covers what that one cost; otherwise it is marked pending, and recomputed by a
later batch or by :meth:`CascadeTracker.refresh_due` (a worker timer) once 1 / REFRESH_COST_SHARE
times its cost has passed. Cascades that take under DEFER_MIN_COST_SECONDS (a few hundred
nodes) are current after every batch; a huge one lags by seconds, and its upkeep stays a bounded
share of the worker's time.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pipeline.monitor.audience import suspect_account
from pipeline.monitor.cascade import CascadeMetrics, CascadeNode, cascade_metrics
from pipeline.records import Enriched
from pipeline.storage import ClickHouse
from pipeline.storage.tables import EPOCH
from schemas.events import Kind

log = logging.getLogger(__name__)

NODE_FIELDS: tuple[str, ...] = (
    "root_id", "event_id", "platform", "parent_id", "author_id", "author_name", "repost_chain", "followers",
    "posts", "created_at", "text_hash", "suspect_account", "is_root", "root_text", "brands",
)  # fmt: skip
"""The ``cascade_nodes`` columns a node is read with (and cached as)."""
CASCADE_COLUMNS: tuple[str, ...] = (
    "root_id", "platform", "root_author", "root_text", "root_created_at", "brands", "size", "reposts", "inferred",
    "max_depth", "level_counts", "level1_share", "structural_virality", "reach", "unique_reposters",
    "suspect_share", "duplicate_text_share", "top_spreaders", "top_spreader_descendants",
    "suspected_amplification", "amplification_score", "first_repost_at", "last_repost_at", "updated_at", "version",
)  # fmt: skip
ROOT_TEXT_CHARS = 200


def node_of(item: Enriched) -> dict[str, Any] | None:
    """The ``cascade_nodes`` row of a post or repost as reading it back gives it; None for a comment.

    The Python twin of ``cascade_nodes_mv`` (migration 006), which writes the stored rows when the
    mentions are inserted; the tracker adds this form to cached cascades instead of reading them back.
    Times are naive UTC in whole seconds, like ClickHouse's DateTime.
    """
    ev, an, author = item.event, item.analysis, item.event.author
    if ev.kind is Kind.comment:
        return None
    is_root = ev.kind is not Kind.repost
    if not is_root and not ev.root_id:
        return None
    created = int(ev.created_at.timestamp())
    account = int(author.created_at.timestamp()) if author.created_at is not None else 0
    age_days = (created - account) / 86400 if account > 0 else None
    return {
        "root_id": ev.id if is_root else ev.root_id, "event_id": ev.id, "platform": ev.platform.value,
        "parent_id": ev.parent_id or "", "author_id": author.id, "author_name": author.name,
        "repost_chain": list(an.repost_chain), "followers": author.followers, "posts": author.posts,
        "created_at": datetime.fromtimestamp(created, UTC).replace(tzinfo=None), "text_hash": an.text_hash,
        "suspect_account": int(suspect_account(author.followers, author.posts, age_days)), "is_root": int(is_root),
        "root_text": ev.text[:ROOT_TEXT_CHARS] if is_root else "", "brands": list(an.brands),
    }  # fmt: skip


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


def cascade_row(
    root_id: str, root: dict[str, Any] | None, platform: str, nodes: Sequence[CascadeNode], m: CascadeMetrics,
    version: int,
) -> tuple[Any, ...]:
    """The ``cascades`` row of one root post (``root``: the root post's node row, if it was seen)."""
    times = [n.created_at for n in nodes if n.event_id != root_id]
    first, last = (_naive_utc(min(times)), _naive_utc(max(times))) if times else (EPOCH, EPOCH)
    return (
        root_id, platform, root["author_name"] if root else "", root["root_text"] if root else "",
        root["created_at"] if root else EPOCH, list(root["brands"]) if root else [],
        m.size, m.reposts, m.inferred, m.max_depth, list(m.level_counts), m.level1_share, m.structural_virality,
        m.reach, m.unique_reposters, m.suspect_share, m.duplicate_text_share,
        [s.author_name for s in m.top_spreaders], [s.descendants for s in m.top_spreaders],
        int(m.suspected_amplification), m.amplification_score, first, last,
        datetime.now(UTC).replace(microsecond=0), version,
    )  # fmt: skip


def _naive_utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None)


_NODE_SELECT = f"SELECT {', '.join(NODE_FIELDS)} FROM cascade_nodes WHERE root_id IN %(roots)s"
CACHE_MAX_NODES = 50_000
"""Nodes kept in memory across all cached cascades by default (some 25 MB at the upper end;
``SOCIALLISTEN_CASCADE_CACHE_NODES``)."""
REFRESH_COST_SHARE = 0.05
"""At most this share of the time goes into recomputing any one cascade (see the module doc)."""
DEFER_MIN_COST_SECONDS = 0.01
"""A cascade that took less than this to recompute (a few hundred nodes) is never deferred."""


@dataclass(slots=True)
class _Cached:
    """One cascade in the cache.

    Its nodes as the metrics want them, the root post's row (for the ``cascades`` row), and when
    its metrics may be recomputed next.
    """

    nodes: dict[str, CascadeNode] = field(default_factory=dict)
    root: dict[str, Any] | None = None
    platform: str = ""
    next_due: float = 0.0  # monotonic time

    def add(self, row: dict[str, Any]) -> bool:
        """Add or replace one node (a ``cascade_nodes`` row); True if it is new."""
        event_id = row["event_id"]
        new = event_id not in self.nodes
        self.nodes[event_id] = to_node(row)
        if row["is_root"]:
            self.root = row
        self.platform = self.platform or row["platform"]
        return new


class CascadeTracker:
    """Writes cascade nodes of a batch and refreshes the metrics of the cascades it touched."""

    def __init__(
        self,
        ch: ClickHouse,
        *,
        max_cached_nodes: int = CACHE_MAX_NODES,
        cost_share: float = REFRESH_COST_SHARE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ch = ch
        self.updated = 0
        self.loaded = 0  # cascades read back from storage (cache misses)
        self.deferred = 0  # touches whose recomputation was left for later (large cascades)
        self.max_cached_nodes = max_cached_nodes
        self.cost_share = cost_share
        self.clock = clock
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._cached_nodes = 0
        self._pending: set[str] = set()  # cached cascades touched since their metrics were last written

    def forget(self) -> None:
        """Drop every cached cascade.

        Call when this worker's partitions change; call :meth:`refresh_due` with
        ``everything=True`` first, so that no deferred update is lost.
        """
        self._cache.clear()
        self._cached_nodes = 0
        self._pending.clear()

    def update(self, items: Sequence[Enriched]) -> list[str]:
        """Blocking: recompute the cascades the batch's reposts touched; return their root ids.

        Call after the batch's mentions are stored: their nodes are then in ``cascade_nodes``.
        A large cascade may be left for later (see the module doc); other cascades that are due
        are recomputed with the batch.
        """
        roots = sorted({ev.root_id for ev in (i.event for i in items) if ev.kind is Kind.repost and ev.root_id})
        if not roots:
            self.refresh_due()  # deferred updates that fell due meanwhile
            return []
        missing = [root for root in roots if root not in self._cache]
        if missing:
            # the read already includes this batch's nodes: they were stored with the mentions
            loaded: dict[str, _Cached] = {root: _Cached() for root in missing}
            for r in self.ch.query(_NODE_SELECT, {"roots": tuple(missing)}):
                loaded[r["root_id"]].add(r)  # duplicates (replays) collapse
            for root, found in loaded.items():
                self._cache[root] = found
                self._cached_nodes += len(found.nodes)
            self.loaded += len(missing)
        fresh = set(missing)
        for item in items:  # add the batch's nodes to cascades that were cached before it
            ev = item.event
            root = (ev.root_id or "") if ev.kind is Kind.repost else ev.id
            if root in fresh or root not in self._cache:
                continue
            node = node_of(item)
            if node is not None and self._cache[root].add(node):
                self._cached_nodes += 1
        for root_id in roots:
            cached = self._cache.get(root_id)
            if cached is not None and cached.nodes:
                self._cache.move_to_end(root_id)
                self._pending.add(root_id)
        self.refresh_due()
        self.deferred += sum(1 for r in roots if r in self._pending)
        self._evict(keep=set(roots))
        return roots

    def refresh_due(self, *, everything: bool = False) -> int:
        """Recompute the cascades whose deferred update is due; return how many were written.

        Blocking. With ``everything``, all pending cascades are recomputed.
        """
        now = self.clock()
        return self._refresh(sorted(r for r in self._pending if everything or self._cache[r].next_due <= now))

    def _refresh(self, due: list[str]) -> int:
        version = time.time_ns() // 1000
        out = []
        for root_id in due:
            cached = self._cache[root_id]
            started = self.clock()
            nodes = list(cached.nodes.values())
            metrics = cascade_metrics(root_id, nodes)
            out.append(cascade_row(root_id, cached.root, cached.platform, nodes, metrics, version))
            cost = self.clock() - started
            cached.next_due = started + cost / self.cost_share if cost >= DEFER_MIN_COST_SECONDS else 0.0
        if out:
            self.ch.insert("cascades", CASCADE_COLUMNS, out)
            self.updated += len(out)
        self._pending.difference_update(due)  # only once written: a failed write is still owed
        return len(out)

    def _evict(self, keep: set[str]) -> None:
        while self._cached_nodes > self.max_cached_nodes and len(self._cache) > len(keep):
            root, cached = next(iter(self._cache.items()))
            if root in keep:
                self._cache.move_to_end(root)
                continue
            if root in self._pending:  # write what it owes before it leaves the cache
                self._refresh([root])
            del self._cache[root]
            self._cached_nodes -= len(cached.nodes)

    def get(self, root_id: str) -> dict[str, Any] | None:
        """The latest metrics row of one cascade."""
        rows = self.ch.query("SELECT * FROM cascades FINAL WHERE root_id = %(r)s", {"r": root_id})
        return rows[0] if rows else None
