"""Derived monitoring rows end to end: a repost cascade, audience rows and a hot event are served by the API.

Through the real broker, a monitoring worker and clickhouse-server: the cascade and the audience
rows derived from the mentions insert; the hot event from the worker's event listener.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from pipeline.kafka.producer import make_producer
from tests.integration.monitor.conftest import TOKEN
from tests.integration.monitor.streams import event

pytestmark = pytest.mark.integration
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def _poll(url: str, ready: Any, timeout: float = 120.0) -> dict[str, Any]:  # noqa: ANN401 - a predicate
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        r = httpx.get(url, headers=HEADERS, timeout=5)
        if r.status_code == 200:
            last = r.json()
            if ready(last):
                return last  # type: ignore[no-any-return]
        time.sleep(0.5)
    raise AssertionError(f"{url} never became ready; last answer {last}")


def test_a_streamed_cascade_and_its_audience_reach_the_api(worker_env, start_monitor) -> None:  # type: ignore[no-untyped-def]
    worker = start_monitor(SOCIALLISTEN_AUDIENCE_REFRESH_SECONDS="2")  # the leader checks every 2 s
    worker.wait_web()
    now = datetime.now(UTC).replace(microsecond=0)
    root = event("蒙牛新品发布，转发抽奖送一箱特仑苏", now - timedelta(minutes=10), prefix="8", followers=90_000)
    rid = str(root["id"])
    a = event("转发支持", now - timedelta(minutes=9), prefix="8", kind="repost", root=rid, followers=300)
    a["author"]["name"] = "甲"
    b = event("转发//@甲:转发支持", now - timedelta(minutes=8), prefix="8", kind="repost", root=rid, followers=500)
    b["author"]["name"] = "乙"
    young = event("一模一样的水军文案来了大家快转", now - timedelta(minutes=7), prefix="8", kind="repost", root=rid,
                  followers=20, posts=5)
    young["author"]["created_at"] = (now - timedelta(days=5)).isoformat()
    # a plain comment: the audience's "ordinary" segment (a question such as 什么时候开奖 is a known false
    # purchase intent of the intent head: tests/unit/text/test_detectors.py)
    comment = event("蒙牛这个活动真有意思", now - timedelta(minutes=6), prefix="8", kind="comment", root=rid)
    copy = event("蒙牛新品发布🔥转发抽奖送一箱特仑苏！！", now - timedelta(minutes=5), prefix="8")  # another's copy
    producer = make_producer(worker_env.kafka_url)
    try:
        for ev, topic in ((root, "posts"), (a, "posts"), (b, "posts"), (young, "posts"), (comment, "comments"),
                          (copy, "posts")):
            # keyed by thread: the whole cascade goes to one partition, in order
            producer.send(f"{worker_env.prefix}{topic}", key=rid.encode(), value=orjson.dumps(ev)).get(timeout=30)
    finally:
        producer.close()

    cascade = _poll(f"{worker.url}/api/cascades/{rid}", lambda c: c["reposts"] == 3)
    assert cascade["size"] == 4  # the root and three reposts; the comment is not a node
    assert cascade["max_depth"] == 2  # 乙 reposted 甲's repost (//@甲)
    assert list(cascade["level_counts"]) == [2, 1]
    assert cascade["reach"] == 300 + 500 + 20

    author = _poll(f"{worker.url}/api/audience/authors/weibo/{young['author']['id']}", lambda r: r["events"] >= 1)
    assert author["segment"] == "suspected_low_quality"  # a five-day-old account with 20 followers
    big = _poll(f"{worker.url}/api/audience/authors/weibo/{root['author']['id']}", lambda r: r["events"] >= 1)
    assert "high_value" in big["segments"] and big["followers"] == 90_000

    hot = _poll(f"{worker.url}/api/events/{rid}", lambda e: e["posts"] == 5)  # the root, its reposts and the copy
    assert (hot["first_post"], hot["reposts"], hot["copies"], hot["authors"]) == (rid, 3, 1, 5)
    assert hot["low_quality_share"] == pytest.approx(1 / 5)  # the five-day-old account
    assert {m["how"] for m in hot["members"]} == {"new", "repost", "copy"}

    # the leader's audience snapshot takes them in within a refresh or two; the CLI refreshes on demand
    def composition(rows: list[dict[str, Any]]) -> bool:  # 蒙牛: the root's author, the comment's and the copy's
        return {r["segment"]: r["authors"] for r in rows if r["brand"] == "蒙牛"} == {"high_value": 1, "ordinary": 2}

    _poll(f"{worker.url}/api/audience/composition?brand=蒙牛&days=2", composition, timeout=60)
    done = worker_env.run("refresh-audience", "--json")
    assert done.returncode == 0, done.stderr
    snapshot = orjson.loads(done.stdout.strip().splitlines()[-1])
    assert snapshot["authors"] >= 6 and snapshot["slot"] in (0, 1, 2)
    recent = worker_env.run("refresh-audience", "--if-older-than", "3600", "--json")
    assert recent.returncode == 0 and recent.stdout.strip().splitlines()[-1] == b"null"
