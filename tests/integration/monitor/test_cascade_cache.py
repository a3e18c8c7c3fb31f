"""The cascade tracker's node cache gives the same metrics as reading the cascade from storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from pipeline.bench.monitor import enrich, store
from pipeline.config import Settings
from pipeline.monitor import insight
from pipeline.monitor.cascade_store import CascadeTracker
from pipeline.text import get_analyzer
from tests.integration.monitor.streams import event

pytestmark = pytest.mark.integration
DAY = datetime(2024, 6, 3, 10, 0, tzinfo=UTC)


def _cascade() -> tuple[list[bytes], str]:
    root = event("蒙牛新品发布会今天开始", DAY, author=5, followers=80_000)
    rid = root["id"]
    names = ["甲", "乙", "丙", "丁", "戊", "己"]
    evs = [root]
    for i, name in enumerate(names):
        chain = "".join(f"//@{n}:转发" for n in reversed(names[max(0, i - 2):i]))  # each reposts the two before
        ev = event(f"转发{chain}", DAY + timedelta(minutes=i + 1), author=100 + i, kind="repost", root=rid,
                   followers=10 * (i + 1))
        ev["author"]["name"] = name
        evs.append(ev)
    return [orjson.dumps(e) for e in evs], rid


def _metrics(row: dict) -> tuple:  # type: ignore[type-arg]
    return (row["size"], row["reposts"], row["max_depth"], list(row["level_counts"]), row["structural_virality"],
            row["reach"], list(row["top_spreaders"]))


def test_cached_cascade_matches_a_cold_read_and_sees_other_writers_after_forget(ch) -> None:  # type: ignore[no-untyped-def]
    analyzer = get_analyzer(Settings().resolved_lexicon)
    lines, rid = _cascade()
    items = enrich(lines, analyzer)
    warm = CascadeTracker(ch)
    for i in range(0, 5, 2):  # root + reposts arrive over three batches; the first one fills the cache
        store(ch, items[i : i + 2], warm)
    assert warm.loaded == 1, "after the first batch the cascade is served from the cache"
    cached = _metrics(insight.cascade(ch, rid))  # type: ignore[arg-type]

    cold = CascadeTracker(ch)
    store(ch, items[4:5], cold)  # a replayed node: the cold tracker reads the whole cascade back
    assert cold.loaded == 1
    assert _metrics(insight.cascade(ch, rid)) == cached  # type: ignore[arg-type]
    assert cached[5] == 10 + 20 + 30 + 40 + 50  # reach: the five reposters so far

    # another worker adds the last reposts while `warm` still holds the cascade
    other = CascadeTracker(ch)
    store(ch, items[5:], other)
    full = _metrics(insight.cascade(ch, rid))  # type: ignore[arg-type]
    assert full[5] == cached[5] + 60
    warm.forget()  # the partitions changed hands: read back, do not trust the cache
    store(ch, items[6:], warm)
    assert warm.loaded == 2
    assert _metrics(insight.cascade(ch, rid)) == full  # type: ignore[arg-type]


def test_cache_is_bounded(ch) -> None:  # type: ignore[no-untyped-def]
    analyzer = get_analyzer(Settings().resolved_lexicon)
    tracker = CascadeTracker(ch, max_cached_nodes=3)
    for n in range(4):
        root = event(f"蒙牛活动第{n}场", DAY, author=50 + n)
        rep = event("转发微博", DAY + timedelta(minutes=1), author=60 + n, kind="repost", root=root["id"])
        store(ch, enrich([orjson.dumps(root), orjson.dumps(rep)], analyzer), tracker)
    assert tracker._cached_nodes <= 3 + 2  # the batch being processed is always kept
    assert len(tracker._cache) < 4


class Ticks:
    """A clock that moves one second at every reading, so every recomputation "costs" a second."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        self.t += 1.0
        return self.t


def test_large_cascade_updates_are_deferred_by_their_cost_and_written_when_due(ch) -> None:  # type: ignore[no-untyped-def]
    analyzer = get_analyzer(Settings().resolved_lexicon)
    lines, rid = _cascade()  # the root and six reposts
    items = enrich(lines, analyzer)
    clock = Ticks()
    tracker = CascadeTracker(ch, cost_share=0.1, clock=clock)  # a 1 s recomputation waits 10 s for the next

    def cold(batch: list) -> tuple:  # type: ignore[type-arg]
        """What a tracker without cache or deferral writes for the nodes stored so far."""
        CascadeTracker(ch).update(batch)
        return _metrics(insight.cascade(ch, rid))  # type: ignore[arg-type]

    store(ch, items[:3], tracker)  # first touch: written at once
    first = _metrics(insight.cascade(ch, rid))  # type: ignore[arg-type]
    assert first[1] == 2  # two reposts
    store(ch, items[3:5], tracker)  # touched again at once: left for later
    assert tracker.deferred == 1
    assert _metrics(insight.cascade(ch, rid)) == first  # type: ignore[arg-type]
    assert tracker.refresh_due() == 0  # not due yet
    clock.t += 60
    assert tracker.refresh_due() == 1  # the worker's timer writes it once it is due
    second = _metrics(insight.cascade(ch, rid))  # type: ignore[arg-type]
    assert second[0] > first[0] and second == cold(items[3:5])

    store(ch, items[5:], tracker)  # deferred again ...
    assert _metrics(insight.cascade(ch, rid)) == second  # type: ignore[arg-type]
    assert tracker.refresh_due(everything=True) == 1  # ... and written before a rebalance forgets it
    third = _metrics(insight.cascade(ch, rid))  # type: ignore[arg-type]
    assert third[0] > second[0] and third == cold(items[5:])
    assert tracker.refresh_due(everything=True) == 0  # nothing owed any more


def _small_cascades(n: int, first: int) -> list[bytes]:
    """``n`` cascades of a root post and one repost each (two nodes)."""
    lines = []
    for i in range(first, first + n):
        root = event(f"蒙牛新品第{i}批上市", DAY, author=500 + i)
        rep = event("转发微博", DAY + timedelta(minutes=1), author=700 + i, kind="repost", root=root["id"])
        lines += [orjson.dumps(root), orjson.dumps(rep)]
    return lines


@pytest.mark.parametrize("clickhouse_url", ["chdb"], indirect=True)
def test_a_batch_touching_more_than_the_bound_keeps_its_cascades_and_evicts_after(ch) -> None:  # type: ignore[no-untyped-def]
    analyzer = get_analyzer(Settings().resolved_lexicon)
    tracker = CascadeTracker(ch, max_cached_nodes=4)
    first = enrich(_small_cascades(5, 0), analyzer)  # 10 nodes in one batch: over the bound of 4
    store(ch, first, tracker)
    roots = sorted(i.event.id for i in first if i.event.root_id is None)
    assert sorted(tracker._cache) == roots and tracker._cached_nodes == 10  # all in use by the batch: kept
    written = {rid: _metrics(insight.cascade(ch, rid)) for rid in roots}  # type: ignore[arg-type]
    assert all(m[1] == 1 for m in written.values())  # one repost each
    store(ch, enrich(_small_cascades(1, 5), analyzer), tracker)  # the next batch evicts the older ones
    assert tracker._cached_nodes <= 4 and len(tracker._cache) == 2
    assert {rid: _metrics(insight.cascade(ch, rid)) for rid in roots} == written  # type: ignore[arg-type]


class FailingCascadeWrites:
    """A ClickHouse whose ``cascades`` inserts fail when they hold the root id ``failing`` (an outage, one write)."""

    def __init__(self, ch) -> None:  # type: ignore[no-untyped-def]
        self.ch = ch
        self.failing = ""

    def query(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self.ch.query(*args, **kwargs)

    def insert(self, table: str, columns, rows):  # type: ignore[no-untyped-def]
        if table == "cascades" and any(row[0] == self.failing for row in rows):
            raise ConnectionError("ClickHouse unreachable")
        return self.ch.insert(table, columns, rows)


@pytest.mark.parametrize("clickhouse_url", ["chdb"], indirect=True)
def test_an_evicted_cascade_still_writes_what_it_owes_after_a_failed_write(ch) -> None:  # type: ignore[no-untyped-def]
    analyzer = get_analyzer(Settings().resolved_lexicon)
    lines, rid = _cascade()  # the root and six reposts
    items = enrich(lines, analyzer)
    flaky = FailingCascadeWrites(ch)
    tracker = CascadeTracker(flaky, max_cached_nodes=7, cost_share=0.1, clock=Ticks())  # type: ignore[arg-type]
    store(ch, items[:3], tracker)  # written at once
    early = _metrics(insight.cascade(ch, rid))  # type: ignore[arg-type]
    store(ch, items[3:], tracker)  # touched again at once: deferred, owed
    assert tracker.deferred == 1 and _metrics(insight.cascade(ch, rid)) == early  # type: ignore[arg-type]
    other = enrich(_small_cascades(1, 50), analyzer)  # pushes the big cascade out of the cache
    flaky.failing = rid  # the write the eviction owes fails
    with pytest.raises(ConnectionError):
        store(ch, other, tracker)
    assert rid in tracker._cache
    flaky.failing = ""
    tracker.update(other)  # what the listener's retry does
    assert rid not in tracker._cache
    owed = _metrics(insight.cascade(ch, rid))  # type: ignore[arg-type]
    assert owed != early, "the deferred metrics were lost with the failed write"
    CascadeTracker(ch).update(items[3:])  # a cold recomputation of the whole cascade
    assert _metrics(insight.cascade(ch, rid)) == owed  # type: ignore[arg-type]
