"""The monitoring views return the right values on chDB and on the Debian server (and survive replays)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import orjson
import pytest

from pipeline.bench.monitor import enrich, store
from pipeline.config import AlertSettings, Settings
from pipeline.monitor import audience_snapshot, insight
from pipeline.monitor.alerts import AlertEngine
from pipeline.text import get_analyzer
from tests.integration.monitor.streams import burst, event, steady

pytestmark = pytest.mark.integration
DAY = datetime(2024, 6, 3, 10, 0, tzinfo=UTC)


def _lines() -> list[bytes]:
    evs = []
    for i in range(6):  # water army: six new accounts, one text
        evs.append(event("蒙牛新品真的超级好喝大家快去买", DAY + timedelta(minutes=i), author=900 + i, followers=3,
                         posts=40))
    evs.append(event("已经回购第三次了，特仑苏还是那么好喝", DAY, author=1, followers=300))
    evs.append(event("想买蒙牛的纯牛奶，求推荐哪款好", DAY, author=2, followers=20, posts=10))
    evs.append(event("收到货了，蒙牛牛奶包装破损，太失望了", DAY, author=3, followers=100))
    evs.append(event("蒙牛和伊利比，伊利的安慕希口感更顺滑", DAY, author=4, followers=100))
    root = event("蒙牛新品发布会今天开始", DAY, author=5, followers=80_000)
    root["author"]["verified"], root["author"]["verified_type"] = True, "kol"
    evs.append(root)
    rid = root["id"]
    # cascade: root <- a (direct) <- b (//@a) <- c (//@b//@a); d direct
    a = event("转发微博", DAY + timedelta(minutes=1), author=11, kind="repost", root=rid, followers=10)
    a["author"]["name"] = "阿"
    b = event("好//@阿:转发微博", DAY + timedelta(minutes=2), author=12, kind="repost", root=rid, followers=20)
    b["author"]["name"] = "波"
    c = event("顶//@波:好//@阿:转发微博", DAY + timedelta(minutes=3), author=13, kind="repost", root=rid, followers=30)
    d = event("转发", DAY + timedelta(minutes=4), author=14, kind="repost", root=rid, followers=40)
    evs += [a, b, c, d]
    return [orjson.dumps(e) for e in evs], rid  # type: ignore[return-value]


def test_views_return_correct_values_and_ignore_replays(ch) -> None:  # type: ignore[no-untyped-def]
    analyzer = get_analyzer(Settings().resolved_lexicon)
    lines, root_id = _lines()  # type: ignore[misc]
    items = enrich(lines, analyzer)
    assert len(items) == len(lines)
    store(ch, items)
    store(ch, enrich(lines, analyzer))  # a replay of the same events
    assert ch.query("SELECT count() AS n FROM author_quality")[0]["n"] == 0  # no snapshot yet
    assert audience_snapshot.refresh(ch).authors == 15

    seg = {r["author_id"]: r["segments"] for r in ch.query("SELECT author_id, segments FROM author_quality")}
    assert all(seg[str(900 + i)] == ["suspected_low_quality"] for i in range(6))
    assert seg["1"] == ["real_customer"]
    assert seg["2"] == ["potential_customer"]
    assert "high_value" in seg["5"]
    assert ch.query("SELECT events FROM author_quality WHERE author_id = '900'")[0]["events"] == 1

    comp = {(r["segment"]): r["authors"] for r in insight.composition(ch, "蒙牛", date(2024, 6, 1))}
    assert comp["suspected_low_quality"] == 6 and comp["real_customer"] >= 1 and comp["potential_customer"] == 1

    insight.set_override(ch, "weibo", "900", "ordinary", "checked by hand", "tester")
    assert insight.author(ch, "weibo", "900")["segments"] == ["ordinary"]  # type: ignore[index]
    # the view applies an override at once; the composition takes it at the next refresh
    assert ch.query("SELECT segments FROM author_quality WHERE author_id = '900'")[0]["segments"] == ["ordinary"]
    assert {r["segment"]: r["authors"] for r in insight.composition(ch, "蒙牛", date(2024, 6, 1))
            }["suspected_low_quality"] == 6
    audience_snapshot.refresh(ch)
    comp = {r["segment"]: r["authors"] for r in insight.composition(ch, "蒙牛", date(2024, 6, 1))}
    assert (comp["suspected_low_quality"], comp["ordinary"]) == (5, 1)
    assert [o["author_id"] for o in insight.overrides(ch)] == ["900"]
    insight.set_override(ch, "weibo", "900", "", "", "tester")
    assert insight.author(ch, "weibo", "900")["segments"] == ["suspected_low_quality"]  # type: ignore[index]

    cas = insight.cascade(ch, root_id)
    assert cas is not None
    assert (cas["size"], cas["reposts"], cas["max_depth"], list(cas["level_counts"])) == (5, 4, 3, [2, 1, 1])
    # root-a 1, root-b 2, root-c 3, root-d 1, a-b 1, a-c 2, a-d 2, b-c 1, b-d 3, c-d 4 -> 20 / 10
    assert cas["structural_virality"] == pytest.approx(2.0)
    assert cas["reach"] == 10 + 20 + 30 + 40 and cas["brands"] == ["蒙牛"]
    assert list(cas["top_spreaders"]) == ["阿", "波"] and not cas["suspected_amplification"]

    topics = insight.buyer_topics(ch, "蒙牛", date(2024, 6, 1))
    negative = {r["keyword"]: r["mentions"] for r in topics if r["sentiment"] == "negative"}
    assert negative.get("破损") == 1
    terms = {r["term"]: r["mentions"] for r in insight.competitor_terms(ch, "伊利", date(2024, 6, 1))}
    assert terms.get("顺滑") == 1 and "伊利" not in terms


def test_alert_engine_on_both_backends(ch) -> None:  # type: ignore[no-untyped-def]
    analyzer = get_analyzer(Settings().resolved_lexicon)
    now = datetime.now(UTC)
    store(ch, enrich(steady(now), analyzer))
    settings = AlertSettings(alert_min_count=5, alert_window_minutes=5, alert_min_baseline_windows=12)
    engine = AlertEngine(ch, settings)
    assert engine.detect(now.timestamp()) == []
    store(ch, enrich(burst(now), analyzer))
    alerts = engine.detect(now.timestamp())
    negative = [a for a in alerts if a.signal == "negative"]
    assert len(negative) == 1 and negative[0].brand == "蒙牛" and negative[0].count >= 25
    assert {"异物", "变质"} <= {t.term for t in negative[0].top_terms}
    engine.record(alerts)
    engine.record(alerts)  # recorded twice (failover): one row
    assert engine.detect(now.timestamp()) == []  # cooldown
    assert ch.query("SELECT count() AS n FROM alerts FINAL")[0]["n"] == len(alerts)
