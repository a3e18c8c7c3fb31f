"""The live page in headless Chromium shows a produced mention within 2 s, hot events and rising terms.

The SSE stream filters.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from playwright.sync_api import sync_playwright

from pipeline.kafka.producer import make_producer
from tests.integration.monitor.conftest import TOKEN
from tests.integration.monitor.streams import event

pytestmark = pytest.mark.integration

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _produce(producer, topic: str, text: str) -> str:  # type: ignore[no-untyped-def]
    ev = event(text, datetime.now(UTC), prefix="7")
    producer.send(topic, key=ev["id"].encode(), value=orjson.dumps(ev)).get(timeout=30)
    return str(ev["id"])


def test_live_page_shows_a_mention_within_two_seconds(worker_env, start_monitor) -> None:  # type: ignore[no-untyped-def]
    worker = start_monitor()
    worker.wait_web()
    topic = f"{worker_env.prefix}posts"
    producer = make_producer(worker_env.kafka_url)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            urls: list[str] = []
            page.on("request", lambda request: urls.append(request.url))
            page.add_init_script(f"localStorage.setItem('sociallisten.token', '{TOKEN}')")
            page.goto(f"{worker.url}/live")
            page.wait_for_selector("#status.on", timeout=15_000)
            # warm-up: the worker joins its group and segments its first batch
            warm = _produce(producer, topic, "蒙牛纯牛奶搞活动，超市买一送一")
            page.wait_for_selector(f'#mentions li[data-event-id="{warm}"]', timeout=120_000)
            latencies = []
            texts = ("今天早餐喝了一盒特仑苏，口感很醇厚", "蒙牛牛奶喝起来一般般，价格有点贵", "伊利的安慕希也不错")
            for text in texts:
                start = time.monotonic()
                eid = _produce(producer, topic, text)
                page.wait_for_selector(f'#mentions li[data-event-id="{eid}"]', timeout=10_000)
                latencies.append(time.monotonic() - start)
            assert max(latencies) < 2.0, latencies
            assert page.locator("#counters tbody tr").count() > 0
            assert any("/api/mentions/stream?" in u and "ticket=" in u for u in urls)
            assert not [u for u in urls if TOKEN in u], "the token never goes into a URL"
            _produce(producer, topic, "蒙牛纯牛奶搞活动😀超市买一送一！！")  # a copy: the warm-up text is an event
            page.wait_for_selector("#events li", timeout=30_000)
            assert "超市买一送一" in page.locator("#events li").first.inner_text()
            assert page.locator("#trends li").count() > 0
            browser.close()
    finally:
        producer.close()


def test_stream_filters_and_needs_a_token(worker_env, start_monitor) -> None:  # type: ignore[no-untyped-def]
    worker = start_monitor()
    worker.wait_web()
    assert httpx.get(f"{worker.url}/api/mentions/stream").status_code == 401
    assert httpx.get(f"{worker.url}/api/mentions/stream", params={"token": TOKEN}).status_code == 401
    producer = make_producer(worker_env.kafka_url)
    topic = f"{worker_env.prefix}posts"
    try:
        neg = _produce(producer, topic, "蒙牛这次的牛奶不太好喝，有点失望")
        pos = _produce(producer, topic, "蒙牛的新品酸奶味道还不错，推荐大家试试")
        other = _produce(producer, topic, "伊利的安慕希也不错")
        seen: list[str] = []
        deadline = time.monotonic() + 120
        params = {"brand": "蒙牛", "sentiment": "negative", "backfill": "50"}
        while time.monotonic() < deadline and neg not in seen:
            ticket = httpx.post(f"{worker.url}/api/stream-ticket", headers={"Authorization": f"Bearer {TOKEN}"}).json()
            params["ticket"] = ticket["ticket"]  # what the page does: EventSource sends no headers
            with httpx.stream("GET", f"{worker.url}/api/mentions/stream", params=params, timeout=10) as resp:
                assert resp.status_code == 200
                assert resp.headers["content-type"].startswith("text/event-stream")
                kind = None
                for line in resp.iter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: ") and kind == "mention":
                        seen.append(orjson.loads(line[6:])["event_id"])
                    elif line.startswith("data: ") and kind == "counters":
                        break  # the backfill is complete once the first counters come
            time.sleep(1)
        assert neg in seen and pos not in seen and other not in seen
        counters = httpx.get(f"{worker.url}/api/mentions/counters", params={"brand": "蒙牛"},
                             headers={"Authorization": f"Bearer {TOKEN}"}).json()
        assert sum(c["mentions"] for c in counters) == 2 and sum(c["negative"] for c in counters) == 1
        tail = worker_env.run("tail", "--url", worker.url, "--token", TOKEN, "--brand", "蒙牛", "--sentiment",
                              "negative", "--backfill", "50", "--limit", "1", "--json", timeout=60)
        assert tail.returncode == 0, tail.stderr.decode()
        printed = [orjson.loads(line) for line in tail.stdout.decode().splitlines() if line.strip()]
        assert [p["data"]["event_id"] for p in printed if p["event"] == "mention"] == [neg]
    finally:
        producer.close()
