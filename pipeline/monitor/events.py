"""Hot events in the worker: a batch listener that assigns each stored post to its event.

Posts and articles are fingerprinted (:mod:`pipeline.text.simhash`, the whole batch at once) and
matched in the worker's :class:`~pipeline.monitor.event_index.EventIndex`; reposts join their root
post's event; comments are not part of events. The assignments go to ``event_members`` (migration
010), whose views ``hot_events`` and ``hot_events_hourly`` the API and the dashboards read.

Each worker matches the posts of its own partitions (the index is in memory); the input is keyed by
thread, so a post's reposts meet it, while copies posted by others may sit in another worker's
partitions: with several workers a campaign can show as one event per worker (docs/monitoring.md).
A restarted worker starts with an empty index.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pipeline.config import MonitorSettings
from pipeline.monitor.audience import BOT_MAX_FOLLOWERS, NEW_ACCOUNT_MAX_FOLLOWERS, suspect_account
from pipeline.monitor.event_index import EventIndex
from pipeline.records import BatchResult, Enriched
from pipeline.text.simhash import Fingerprint, fingerprints
from pipeline.worker.features import WorkerPorts
from schemas.events import Kind

EVENT_COLUMNS = ("mention_id", "event_id", "how", "distance", "platform", "kind", "author_id", "suspect_account",
                 "created_at", "simhash", "brands", "version")
_NO_PRINT = Fingerprint(0, ())
_DAY = 86400.0


def event_rows(index: EventIndex, items: Sequence[Enriched], version: int) -> list[tuple[Any, ...]]:
    """Assign the posts and reposts of a batch to events; their ``event_members`` rows (pure but for ``index``)."""
    members = [item for item in items if item.event.kind is not Kind.comment]
    texted = [i for i, item in enumerate(members) if item.event.kind is not Kind.repost]
    prints = [_NO_PRINT] * len(members)
    for i, fp in zip(texted, fingerprints([members[i].analysis.own_text for i in texted]), strict=True):
        prints[i] = fp
    rows: list[tuple[Any, ...]] = []
    assign = index.assign
    for item, fp in zip(members, prints, strict=True):
        ev = item.event
        author = ev.author
        found = assign(ev.id, fp, ev.root_id if ev.kind is Kind.repost else None)
        rows.append((ev.id, found.event_id, found.how, found.distance, ev.platform.value, ev.kind.value, author.id,
                     _suspect(author.followers, author.posts, author.created_at, ev.created_at), ev.created_at,
                     fp.simhash, item.analysis.brands, version))
    return rows


def _suspect(followers: int, posts: int, account_created: datetime | None, at: datetime) -> int:
    """The audience model's profile rule (:func:`~pipeline.monitor.audience.suspect_account`) as 0/1."""
    if followers >= NEW_ACCOUNT_MAX_FOLLOWERS and followers >= BOT_MAX_FOLLOWERS:
        return 0  # the common case, without the date arithmetic
    age = (at - account_created).total_seconds() / _DAY if account_created else None
    return int(suspect_account(followers, posts, age))


class EventClustering:
    """The hot-event listener of one worker."""

    def __init__(self, ports: WorkerPorts, settings: MonitorSettings) -> None:
        """Match within ``settings.event_radius`` bits among ``settings.event_index_size`` recent posts."""
        self.ports = ports
        self.index = EventIndex(capacity=settings.event_index_size, radius=settings.event_radius)

    def install(self) -> EventClustering:
        """Register the listener on the worker."""
        self.ports.add_listener(self.on_batch)
        return self

    async def on_batch(self, result: BatchResult) -> None:
        """Assign the batch's posts and store the assignments (a replay writes the same rows again)."""
        rows = event_rows(self.index, result.enriched, time.time_ns() // 1000)
        if rows:
            ch = self.ports.storage.ch
            await self.ports.storage.run_blocking(ch.insert, "event_members", list(EVENT_COLUMNS), rows)
