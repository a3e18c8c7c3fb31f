"""The audience snapshot on chDB and the Debian server: the same rows as each author's live row, whole refreshes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from pipeline.bench.monitor import enrich, store
from pipeline.config import Settings
from pipeline.monitor import audience_snapshot, insight
from pipeline.storage import ClickHouse
from pipeline.text import get_analyzer
from tests.integration.monitor.streams import event

pytestmark = pytest.mark.integration
DAY = datetime(2024, 6, 3, 10, 0, tzinfo=UTC)
COMPARED = [c for c in audience_snapshot.COLUMNS if c != "computed_segments"] + ["segments", "segment"]


def _store(ch: ClickHouse, events: list[dict]) -> None:  # type: ignore[type-arg]
    store(ch, enrich([orjson.dumps(e) for e in events], get_analyzer(Settings().resolved_lexicon)))


def _events() -> list[dict]:  # type: ignore[type-arg]
    texts = ("伊利安慕希真好喝，已经回购好几箱了", "今天又收到一箱伊利安慕希，孩子很爱喝",
             "伊利的酸奶包装很结实，物流也快")
    evs = [event(text, DAY + timedelta(hours=i), author=1, followers=500) for i, text in enumerate(texts)]
    evs += [event("蒙牛特仑苏搞活动，大家冲", DAY + timedelta(minutes=i), author=20 + i, followers=10, posts=3000)
            for i in range(6)]  # one text, six accounts: copied
    evs.append(event("想买一箱蒙牛纯牛奶，哪款适合老人", DAY, author=2, followers=50_000))
    evs.append(event("快递太慢了，蒙牛的牛奶等了一周", DAY + timedelta(days=1), author=3))
    return evs


def _snapshot_rows(ch: ClickHouse) -> dict[str, dict[str, object]]:
    return {r["author_id"]: {c: r[c] for c in COMPARED} for r in ch.query("SELECT * FROM author_quality")}


def test_each_snapshot_row_is_the_authors_live_row_and_readers_see_whole_refreshes(ch: ClickHouse) -> None:
    events = _events()
    _store(ch, events)
    # a later version of author 3's post, with the profile grown past high value: the latest version counts
    _store(ch, [{**events[-1], "author": {**events[-1]["author"], "followers": 20_000}}])
    assert audience_snapshot.latest(ch) is None and insight.composition(ch, None, DAY.date()) == []
    first = audience_snapshot.refresh(ch)
    assert (first.slot, first.authors) == (0, 9)
    rows = _snapshot_rows(ch)
    for author_id, row in rows.items():
        live = insight.author(ch, "weibo", author_id)
        assert live is not None and {c: live[c] for c in COMPARED} == row, author_id
    assert rows["20"]["copied_texts"] == 1 and rows["20"]["segment"] == "suspected_low_quality"
    assert (rows["1"]["events"], rows["1"]["segments"]) == (3, ["real_customer"])
    assert rows["2"]["segments"] == ["potential_customer", "high_value"]
    assert (rows["3"]["followers"], rows["3"]["events"], rows["3"]["high_value"]) == (20_000, 1, 1)

    # a new author: live at once, in the views from the next refresh on
    _store(ch, [event("蒙牛酸奶收到货了，日期很新鲜", DAY + timedelta(days=1), author=4)])
    assert insight.author(ch, "weibo", "4") is not None and "4" not in _snapshot_rows(ch)
    slots = [audience_snapshot.refresh(ch).slot for _ in range(4)]
    assert slots == [1, 2, 0, 1]  # three slots in turn: the latest, the one before, the one being written
    assert len(ch.query("SELECT author_id FROM author_quality")) == 10 and "4" in _snapshot_rows(ch)
    refreshes = ch.query("SELECT refresh FROM audience_refreshes ORDER BY refresh")
    assert len(refreshes) == 5 and len({r["refresh"] for r in refreshes}) == 5

    # days and brands of the composition: 蒙牛 on both days, 伊利 on the first
    comp = {(str(r["day"]), r["brand"], r["segment"]): r["authors"] for r in insight.composition(ch, None, DAY.date())}
    assert comp[("2024-06-03", "蒙牛", "suspected_low_quality")] == 6
    rows = _snapshot_rows(ch)
    for segment in ("real_customer", "ordinary"):  # authors 3 and 4 wrote on the second day
        assert comp.get(("2024-06-04", "蒙牛", segment), 0) == sum(segment in rows[a]["segments"] for a in "34")
    assert comp[("2024-06-03", "伊利", "real_customer")] == 1

    # an author of two days and two brands counts in each (from ClickHouse 20 on, ANY INNER JOIN would keep one)
    _store(ch, [event("蒙牛纯牛奶又回购了一箱，孩子爱喝", DAY + timedelta(days=1, hours=3), author=1, followers=500)])
    audience_snapshot.refresh(ch)
    rows = _snapshot_rows(ch)
    comp = {(str(r["day"]), r["brand"], r["segment"]): r["authors"] for r in insight.composition(ch, None, DAY.date())}
    for segment in rows["1"]["segments"]:
        assert comp[("2024-06-03", "伊利", segment)] == 1, segment
        assert comp[("2024-06-04", "蒙牛", segment)] == sum(segment in rows[a]["segments"] for a in "134"), segment


def test_a_failed_refresh_leaves_the_latest_complete_one_in_the_views(ch: ClickHouse) -> None:
    _store(ch, _events())
    done = audience_snapshot.refresh(ch)
    # a refresh that wrote its author rows and then stopped: never recorded, so never read
    ch.execute(f"INSERT INTO author_quality_snapshot SELECT {(done.slot + 1) % 3}, {done.refresh + 1}, "
               f"{', '.join(audience_snapshot.COLUMNS)} FROM ({audience_snapshot.quality_sql()})")
    ch.execute(f"INSERT INTO author_quality_snapshot SELECT {(done.slot + 1) % 3}, {done.refresh + 1}, "
               f"{', '.join(audience_snapshot.COLUMNS)} FROM ({audience_snapshot.quality_sql()})")
    assert len(ch.query("SELECT author_id FROM author_stats")) == done.authors == 9
    assert audience_snapshot.refresh(ch).slot == (done.slot + 1) % 3
    assert len(ch.query("SELECT author_id FROM author_stats")) == 9
