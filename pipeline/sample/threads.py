"""Thread state the generator keeps while a thread can still receive comments and reposts.

A node (an emitted event that later events may answer or repost) is a plain tuple
``(id, author name, full text, time)`` for speed; ``ID``, ``NAME``, ``TEXT``, ``TS`` index it.
"""

from __future__ import annotations

import random
from typing import Final

from pipeline.sample.authors import AuthorEntry
from pipeline.sample.corpus import Cascade

Node = tuple[str, str, str, float]
ID: Final = 0
NAME: Final = 1
TEXT: Final = 2
TS: Final = 3

NODE_CAP = 24
"""Most remembered events of a thread (besides the root) that later events may answer."""
COMMENTER_CAP = 8


class CascadeReplay:
    """Where a thread is in replaying its CED cascade."""

    __slots__ = ("cascade", "cursor", "cycle", "chain")

    def __init__(self, cascade: Cascade, cycle: int) -> None:
        self.cascade = cascade
        self.cursor = 0
        """Index of the next repost to emit."""
        self.cycle = cycle
        """The cascade deck's pass: 0 keeps the real mids, later passes invent ids and vary texts."""
        self.chain: list[Node] = []
        """Emitted reposts, by cascade index."""

    @property
    def done(self) -> bool:
        """Whether every repost has been emitted."""
        return self.cursor >= len(self.cascade.reposts)


class Thread:
    """A root and what the generator remembers of its replies (bounded).

    Fields other than the root are filled only when needed, to keep new threads cheap.
    """

    __slots__ = (
        "platform", "topic", "root", "popularity", "alive", "nodes", "commenters", "reposts", "budget", "replay",
    )  # fmt: skip

    def __init__(self, platform: str, topic: str, root: Node, popularity: float) -> None:
        self.platform = platform
        self.topic = topic
        self.root = root
        self.popularity = popularity
        self.alive = True
        self.nodes: list[Node] | None = None
        """Reply targets other than the root: a bounded sample of later events."""
        self.commenters: list[tuple[AuthorEntry, str]] | None = None
        self.reposts: list[Node] | None = None
        """Invented reposts (bounded), parents for deeper invented reposts."""
        self.budget = 0
        """Invented reposts still to come."""
        self.replay: CascadeReplay | None = None

    def remember(self, node: Node, rng: random.Random) -> None:
        """Keep ``node`` as a possible reply target (replacing an older one when full)."""
        nodes = self.nodes
        if nodes is None:
            self.nodes = [node]
        elif len(nodes) < NODE_CAP:
            nodes.append(node)
        else:
            nodes[int(rng.random() * NODE_CAP)] = node

    def remember_repost(self, node: Node, rng: random.Random) -> None:
        """Keep an invented repost as a possible parent of later reposts."""
        if self.reposts is None:
            self.reposts = [node]
        elif len(self.reposts) < NODE_CAP:
            self.reposts.append(node)
        else:
            self.reposts[int(rng.random() * NODE_CAP)] = node
        self.remember(node, rng)

    def add_commenter(self, author: AuthorEntry, text: str) -> None:
        """Remember who commented what (so an author can come back, or repeat himself)."""
        if self.commenters is None:
            self.commenters = [(author, text)]
            return
        if len(self.commenters) >= COMMENTER_CAP:
            del self.commenters[0]
        self.commenters.append((author, text))


class ActiveThreads:
    """A ring of the most recent threads; the oldest is retired when a new one arrives."""

    __slots__ = ("_ring", "_head", "_size", "count")

    def __init__(self, capacity: int) -> None:
        self._ring: list[Thread | None] = [None] * capacity
        self._size = capacity
        self._head = 0
        self.count = 0

    def add(self, thread: Thread) -> None:
        """Add a thread, retiring the oldest one if the ring is full."""
        head = self._head
        old = self._ring[head]
        if old is not None:
            old.alive = False
        else:
            self.count += 1
        self._ring[head] = thread
        self._head = head + 1 if head + 1 < self._size else 0

    def pick(self, back1: int, back2: int) -> Thread:
        """Of the threads ``back1`` and ``back2`` before the newest, the more popular (ring not empty)."""
        ring, last, count = self._ring, self._head - 1, self.count
        first = ring[last - (back1 if back1 < count else count - 1)]
        second = ring[last - (back2 if back2 < count else count - 1)]
        assert first is not None and second is not None
        return first if first.popularity >= second.popularity else second

    def recent(self, back: int) -> Thread:
        """The thread started ``back`` threads before the newest (0: the newest), capped at the oldest."""
        if back >= self.count:
            back = self.count - 1
        return self._ring[self._head - 1 - back]  # type: ignore[return-value]  # the newest `count` slots are set
