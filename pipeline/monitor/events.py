"""Hot events in the worker: each post is assigned to its event before its batch is written.

Posts and articles are fingerprinted (:mod:`pipeline.text.simhash`, the whole batch at once) and
matched in the worker's :class:`~pipeline.monitor.event_index.EventIndex`; reposts join their root
post's event; comments are not part of events. The assignment travels with the mention
(``mentions.hot_event``, ``hot_event_how``, ``hot_event_distance``, ``simhash``; migration 010) in the
same insert, so the views ``hot_events`` and ``hot_events_hourly`` over ``mentions FINAL`` cost no
second insert and a replay changes nothing.

Each worker matches the posts of its own partitions (the index is in memory); the input is keyed by
thread, so a post's reposts meet it, while copies posted by others may sit in another worker's
partitions: with several workers a campaign can show as one event per worker (docs/monitoring.md).
A restarted worker starts with an empty index. The assignment runs as a batch preparer: in arrival
order, on a thread of its own (:mod:`pipeline.worker.stages`).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.config import MonitorSettings
from pipeline.monitor.event_index import EventIndex
from pipeline.records import BatchResult, Enriched
from pipeline.text.simhash import Fingerprint, fingerprints
from pipeline.worker.features import WorkerPorts
from schemas.events import Kind

_NO_PRINT = Fingerprint(0, ())


def assign_events(index: EventIndex, items: Sequence[Enriched]) -> None:
    """Assign the posts and reposts of a batch to events, in order; sets their ``hot_event*`` and ``simhash``."""
    members = [item for item in items if item.event.kind is not Kind.comment]
    texted = [i for i, item in enumerate(members) if item.event.kind is not Kind.repost]
    prints = [_NO_PRINT] * len(members)
    for i, fp in zip(texted, fingerprints([members[i].analysis.own_text for i in texted]), strict=True):
        prints[i] = fp
    assign = index.assign
    for item, fp in zip(members, prints, strict=True):
        ev = item.event
        found = assign(ev.id, fp, ev.root_id if ev.kind is Kind.repost else None)
        item.hot_event, item.hot_event_how, item.hot_event_distance = found.event_id, found.how, found.distance
        item.simhash = fp.simhash


class EventClustering:
    """The hot-event assignment of one worker."""

    def __init__(self, ports: WorkerPorts, settings: MonitorSettings) -> None:
        """Match within ``settings.event_radius`` bits among ``settings.event_index_size`` recent posts."""
        self.ports = ports
        self.index = EventIndex(capacity=settings.event_index_size, radius=settings.event_radius)

    def install(self) -> EventClustering:
        """Register the preparer on the worker."""
        self.ports.add_preparer(self.prepare)
        return self

    def prepare(self, result: BatchResult) -> None:
        """Assign the batch's posts (a replayed post gets the assignment it had)."""
        assign_events(self.index, result.enriched)
