"""Hot events: near-duplicate posts and their reposts grouped as they arrive (pure, in memory).

Each post's :class:`~pipeline.text.simhash.Fingerprint` is looked up under a constant number of keys:

- **bands**: the 64-bit SimHash cut into :data:`BANDS` 16-bit bands. Two fingerprints within
  Hamming distance 3 agree on at least one band (pigeonhole), so every earlier post within
  distance 3 is a candidate;
- **anchors**: the text's smallest trigram hashes. A copy with a few characters edited keeps
  most trigrams and so, very likely, one of these; this finds copies whose SimHash moved further
  than 3 bits (on 50-character posts three edited characters move it about 9 bits).

A candidate is the same event when its SimHash is within ``radius`` bits (:data:`RADIUS`); the post
joins the event of the closest one (the first found within :data:`NEAR` bits), else it starts an event
of its own (the event id is the id of its first post). A repost joins its root post's event (the repost
cascade), whatever its own text.

Buckets keep their :data:`BUCKET` most recent posts and the index keeps the posts of its last two
generations (``capacity`` posts in all), so a lookup costs the same however long the worker runs
and memory stays bounded. The same post assigned again (a replayed batch) gets the same event.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.text.simhash import Fingerprint

BANDS = 4
"""16-bit bands of the 64-bit SimHash: any two fingerprints within 3 bits share one."""
RADIUS = 12
"""Default largest SimHash distance of two posts of the same event (measured: docs/monitoring.md)."""
BUCKET = 8
"""Posts kept per key (the most recent)."""
NEAR = 3
"""A candidate this close is taken at once (the bands find every such post; nothing closer is worth a search)."""
_BAND_TAG = 1 << 60  # band keys never collide with anchors (48-bit values)


@dataclass(frozen=True, slots=True)
class Assignment:
    """The event a post was put in and why."""

    event_id: str
    how: str
    """``new`` (first post of its event), ``copy`` (near-duplicate of an earlier post), ``repost``."""
    distance: int = 0
    """SimHash distance to the post it was matched with (0 unless ``copy``)."""


Entry = tuple[int, str]
"""(simhash, event id) of an indexed post."""
Bucket = Entry | tuple[Entry, ...]
"""The posts under one key: one entry alone (most keys: an anchor is rarely shared), else a tuple of them."""
Stored = tuple[str, str, int]
"""An assignment as remembered: (event id, how, distance)."""


class EventIndex:
    """Assigns posts to events in arrival order; bounded, constant work per post.

    Everything it keeps is plain tuples of ints and strings (buckets are replaced, never changed), which
    the garbage collector stops tracking: a large index adds nothing to its passes.
    """

    def __init__(self, capacity: int = 50_000, radius: int = RADIUS) -> None:
        """Keep about ``capacity`` recent posts; posts within ``radius`` bits are the same event."""
        if capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.radius = radius
        self._half = capacity // 2
        self._buckets: list[dict[int, Bucket]] = [{}, {}]  # [current, previous]
        self._events: list[dict[str, Stored]] = [{}, {}]
        self._added = 0

    def __len__(self) -> int:
        """Posts remembered (both generations)."""
        return len(self._events[0]) + len(self._events[1])

    def assign(self, post_id: str, fingerprint: Fingerprint, root_id: str | None = None) -> Assignment:
        """The event of a post (``root_id``: the root post of a repost)."""
        current, previous = self._events
        known = current.get(post_id) or previous.get(post_id)
        if known is not None:
            return Assignment(*known)
        if root_id is not None and root_id != post_id:
            root = current.get(root_id) or previous.get(root_id)
            found: Stored = (root[0] if root is not None else root_id, "repost", 0)
        elif fingerprint.simhash:
            keys = _keys(fingerprint)
            found = self._match(post_id, fingerprint.simhash, keys)
            self._index(keys, (fingerprint.simhash, found[0]))
        else:
            found = (post_id, "new", 0)
        self._remember(post_id, found)
        return Assignment(*found)

    def _match(self, post_id: str, simhash: int, keys: list[int]) -> Stored:
        """The closest indexed post within the radius; the first within :data:`NEAR` bits ends the search."""
        best: Entry | None = None
        best_distance = self.radius + 1
        for buckets in self._buckets:
            for key in keys:
                for entry in _entries(buckets.get(key)):
                    distance = (simhash ^ entry[0]).bit_count()
                    if distance < best_distance:
                        best, best_distance = entry, distance
                        if distance <= NEAR:
                            return entry[1], "copy", distance
        if best is None:
            return post_id, "new", 0
        return best[1], "copy", best_distance

    def _index(self, keys: list[int], entry: Entry) -> None:
        current = self._buckets[0]
        for key in keys:
            bucket = current.get(key)
            if bucket is None:
                current[key] = entry  # alone, not in a tuple of one: about 15 MB less at 50,000 posts
            else:
                current[key] = (*_entries(bucket)[1 - BUCKET:], entry)

    def _remember(self, post_id: str, found: Stored) -> None:
        self._events[0][post_id] = found
        self._added += 1
        if self._added >= self._half:  # a new generation: the oldest half is forgotten
            self._buckets = [{}, self._buckets[0]]
            self._events = [{}, self._events[0]]
            self._added = 0


def _entries(bucket: Bucket | None) -> tuple[Entry, ...]:
    """The entries of a bucket, oldest first."""
    if bucket is None:
        return ()
    if isinstance(bucket[0], int):  # one entry: (simhash, event id)
        return (bucket,)
    return bucket


def _keys(fp: Fingerprint) -> list[int]:
    h = fp.simhash
    return [_BAND_TAG | (h & 0xFFFF), _BAND_TAG | (1 << 16) | ((h >> 16) & 0xFFFF),
            _BAND_TAG | (2 << 16) | ((h >> 32) & 0xFFFF), _BAND_TAG | (3 << 16) | (h >> 48), *fp.anchors]
