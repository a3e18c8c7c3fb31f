"""The live mention feed: what a worker publishes to its live page, plus per-minute counters.

Each stored batch becomes :class:`LiveMention` items on the mentions hub (:mod:`pipeline.hub`); the feed
also keeps the last mentions (to fill a page that just connected) and, for the per-minute counters,
how many mentions of each combination of values (platform, sentiment, brands, competitors, signals)
it received in each of the last ``live_counter_minutes`` minutes: memory grows with the combinations
a minute brings, not with the mentions (a few thousand combinations a minute, not 200,000 records).
Counters are in processing time (when the worker stored the mention): they show the stream as it
flows, while the alert windows use event time (see :mod:`pipeline.monitor.alerts`).
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from pipeline.hub import Hub
from pipeline.monitor.models import LiveMention, MentionFilter, MinuteCount
from pipeline.records import Enriched

log = logging.getLogger(__name__)

TEXT_CHARS = 500
COUNTER_CAP = 200_000
"""At most this many counted value combinations (over all minutes kept); past it the oldest minutes go."""


def live_mention(item: Enriched, received_at: float) -> LiveMention:
    """The live-stream form of an enriched mention.

    Built without re-validation (``model_construct``): every value comes from a validated event
    and its analysis, and this runs for every stored event.
    """
    ev, an = item.event, item.analysis
    return LiveMention.model_construct(
        event_id=ev.id, platform=ev.platform.value, kind=ev.kind.value, author_id=ev.author.id,
        author_name=ev.author.name, author_followers=ev.author.followers, text=ev.text[:TEXT_CHARS],
        created_at=ev.created_at, received_at=received_at, brands=list(an.brands), competitors=list(an.competitors),
        signals=list(an.signals), sentiment=an.sentiment, sentiment_score=float(an.sentiment_score),
        keywords=list(an.keywords[:10]), buyer=an.buyer, service_request=an.service_request,
        purchase_intent=an.purchase_intent, repost_depth=item.repost_depth,
    )


class _Kept(NamedTuple):
    """A recent mention as the feed keeps it: the values of its live form, without a model (cheap to build)."""

    event_id: str
    platform: str
    kind: str
    author_id: str
    author_name: str
    author_followers: int
    text: str
    created_at: datetime
    received_at: float
    brands: list[str]
    competitors: list[str]
    signals: list[str]
    sentiment: str
    sentiment_score: float
    keywords: list[str]
    buyer: bool
    service_request: bool
    purchase_intent: bool
    repost_depth: int


def _kept(item: Enriched, received_at: float) -> _Kept:
    ev, an = item.event, item.analysis
    return _Kept(ev.id, ev.platform.value, ev.kind.value, ev.author.id, ev.author.name, ev.author.followers,
                 ev.text[:TEXT_CHARS], ev.created_at, received_at, an.brands, an.competitors, an.signals, an.sentiment,
                 float(an.sentiment_score), an.keywords[:10], an.buyer, an.service_request, an.purchase_intent,
                 item.repost_depth)


class _Seen(NamedTuple):
    """What the counters and the filters need of one mention (a few hundred bytes, not the text)."""

    minute: int
    platform: str
    sentiment: str
    brands: tuple[str, ...]
    competitors: tuple[str, ...]
    signals: tuple[str, ...]


_SHARED_MAX = 10_000
"""Distinct value tuples shared among the counted mentions before the table starts over."""


class _Shared(dict[tuple[str, ...], tuple[str, ...]]):
    """One tuple object per distinct value: the counted mentions share them.

    A stream has few distinct combinations of signals (or brands), so 200,000 counted mentions
    hold a few hundred tuples instead of 200,000 (about 70 bytes each).
    """

    def __call__(self, values: list[str]) -> tuple[str, ...]:
        if not values:
            return ()  # the one shared empty tuple
        key = tuple(values)
        found = self.get(key)
        if found is not None:
            return found
        if len(self) >= _SHARED_MAX:  # only for a new value: one already here is never dropped to be looked up
            self.clear()  # counted mentions keep the tuples they hold; later ones share new ones
        self[key] = key
        return key


def _seen(item: Enriched, minute: int, shared: _Shared) -> _Seen:
    an = item.analysis
    return _Seen(minute, item.event.platform.value, an.sentiment, shared(an.brands), shared(an.competitors),
                 shared(an.signals))


class LiveFeed:
    """Recent mentions, their counters, and publication to the hub.

    Fed with this worker's stored batches (:meth:`publish_batch`) and, in a process that serves the
    live pages, with every worker's mentions from the live topic (:meth:`publish_live`); a mention
    seen both ways counts once.

    A stored batch costs little here when nobody watches: the live form of a mention is built
    only for connected subscribers and, on demand, for the recent mentions a page asks for.
    """

    def __init__(self, hub: Hub, *, buffer: int = 2000, counter_minutes: int = 15) -> None:
        self.hub = hub
        self.counter_minutes = counter_minutes
        self._recent: deque[tuple[_Seen, _Kept | LiveMention]] = deque(maxlen=buffer)
        self._counted: dict[int, Counter[_Seen]] = {}
        """Per minute, how many mentions had each combination of values (few: they repeat)."""
        self._combinations = 0
        self._ids: deque[str] = deque(maxlen=buffer * 4)
        self._id_set: set[str] = set()
        self._shared = _Shared()
        self.published = 0

    def publish_batch(self, items: Sequence[Enriched], now: float | None = None) -> int:
        """Publish a stored batch (call on the event loop's thread); replayed ids are skipped."""
        now = time.time() if now is None else now
        minute = int(now // 60) * 60
        watched = self.hub.subscribers > 0
        fresh: list[tuple[_Seen, Enriched | LiveMention]] = []
        for item in items:
            if not self._first_time(item.event.id):
                continue
            seen = _seen(item, minute, self._shared)
            self._count(seen)
            if watched:
                mention = live_mention(item, now)
                self.hub.publish(mention)
                fresh.append((seen, mention))
            else:
                fresh.append((seen, item))
        # only the batch's last `buffer` stay recent, as the values of their live form: a fifth of an
        # enriched event's memory (no analysis, no record, the text cut), and the batch is not kept alive
        keep = self._recent.maxlen or len(fresh)
        self._recent.extend((seen, item if isinstance(item, LiveMention) else _kept(item, now))
                            for seen, item in fresh[-keep:])
        self.published += len(fresh)
        return len(fresh)

    def publish_live(self, mentions: Sequence[LiveMention]) -> int:
        """Publish mentions another process stored (read from the live topic); ids seen before are skipped."""
        watched = self.hub.subscribers > 0
        n = 0
        for m in mentions:
            if not self._first_time(m.event_id):
                continue
            minute = int(m.received_at // 60) * 60
            shared = self._shared
            seen = _Seen(minute, m.platform, m.sentiment, shared(m.brands), shared(m.competitors), shared(m.signals))
            self._recent.append((seen, m))
            self._count(seen)
            if watched:
                self.hub.publish(m)
            n += 1
        self.published += n
        return n

    def _count(self, seen: _Seen) -> None:
        """Count a mention in its minute; minutes older than the counters show (one minute of slack) are dropped."""
        bucket = self._counted.get(seen.minute)
        if bucket is None:
            bucket = self._counted[seen.minute] = Counter()
            self._forget_before(seen.minute - self.counter_minutes * 60)
        if seen not in bucket:
            self._combinations += 1
        bucket[seen] += 1
        while self._combinations > COUNTER_CAP and len(self._counted) > 1:
            self._forget_before(min(self._counted) + 1)  # a very busy, varied stream: the oldest minute goes

    def _forget_before(self, minute: int) -> None:
        for old in [m for m in self._counted if m < minute]:
            self._combinations -= len(self._counted.pop(old))

    def _first_time(self, event_id: str) -> bool:
        if event_id in self._id_set:
            return False
        if len(self._ids) == self._ids.maxlen:
            self._id_set.discard(self._ids[0])
        self._ids.append(event_id)
        self._id_set.add(event_id)
        return True

    def recent(self, filt: MentionFilter, limit: int) -> list[LiveMention]:
        """The newest ``limit`` mentions passing ``filt``, oldest first."""
        out: list[LiveMention] = []
        for seen, item in reversed(self._recent):
            if len(out) >= limit:
                break
            if filt.matches(seen):
                out.append(item if isinstance(item, LiveMention) else LiveMention.model_construct(**item._asdict()))
        return out[::-1]

    def counters(self, filt: MentionFilter, now: float | None = None) -> list[MinuteCount]:
        """Per-minute counts of the last ``counter_minutes`` minutes (oldest first, zeros included)."""
        now = time.time() if now is None else now
        last = int(now // 60) * 60
        first = last - (self.counter_minutes - 1) * 60
        self._forget_before(first - 60)
        buckets: dict[int, list[int]] = {m: [0, 0, 0, 0] for m in range(first, last + 60, 60)}
        for minute, counted in self._counted.items():
            b = buckets.get(minute)
            if b is None:
                continue
            for seen, n in counted.items():
                if filt.matches(seen):
                    sig = seen.signals
                    b[0] += n
                    b[1] += n * ("negative" in sig)
                    b[2] += n * ("service_request" in sig)
                    b[3] += n * ("competitor_mention" in sig)
        return [
            MinuteCount(minute=datetime.fromtimestamp(m, UTC), mentions=c[0], negative=c[1], service_requests=c[2],
                        competitor_mentions=c[3])
            for m, c in sorted(buckets.items())
        ]
