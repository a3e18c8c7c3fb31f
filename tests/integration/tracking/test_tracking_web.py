"""Deep tracking on the web tier with the real broker: a browser follows a link and runs the beacon."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
import pytest
from playwright.sync_api import sync_playwright

from pipeline.config import Settings
from pipeline.kafka.topics import ensure_topics
from pipeline.storage import connect
from pipeline.storage.migrate import migrate
from schemas.tracking import ClickEvent, VisitEvent
from tests.fixtures.web_server import serving
from tests.integration.monitor.test_live_page import CHROMIUM_ARGS
from tests.integration.tracking.web_app import READER, SHOP, SUPERVISOR, read_messages, tracking_app

pytestmark = pytest.mark.integration


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_a_browser_follows_a_link_and_its_landing_page_reports_the_visit(kafka_broker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    prefix = f"t{uuid.uuid4().hex[:8]}."
    ensure_topics(kafka_broker.bootstrap, Settings(kafka={"topic_prefix": prefix}))  # type: ignore[arg-type]
    ch = connect(f"chdb://{tmp_path / 'chdb'}")
    migrate(ch)
    app, _, topics = tracking_app(ch, kafka_broker.bootstrap, prefix)
    with serving(app) as url:
        for hostile in ("javascript:alert(1)", "//evil.com", "https://good.com@evil.com", "https:\\\\evil.com"):
            answer = httpx.post(f"{url}/api/links", json={"url": hostile, "campaign": "c"}, headers=_auth(SUPERVISOR))
            assert answer.status_code == 400, hostile
        spec = {"url": f"{url}/landing?x=1", "campaign": "winter", "platform": "weibo", "account": "kol"}
        assert httpx.post(f"{url}/api/links", json=spec, headers=_auth(READER)).status_code == 403
        made = httpx.post(f"{url}/api/links", json=spec, headers=_auth(SUPERVISOR)).json()
        code = made["code"]
        order = {"order_id": "o-1", "time": "2026-12-01T10:00:00+08:00", "amount": 19.9, "code": code}
        assert httpx.post(f"{url}/api/conversions", json=[order], headers=_auth(SHOP)).status_code == 202
        assert httpx.post(f"{url}/api/conversions", json=[order], headers=_auth(READER)).status_code == 403
        assert httpx.get(f"{url}/api/campaigns", headers=_auth(SHOP)).status_code == 403
        assert httpx.get(f"{url}/l/nosuchcode").status_code == 404
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                problems: list[str] = []
                page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
                with page.expect_request(f"{url}/t/visit"):
                    page.goto(f"{url}/l/{code}")
                landed = urlsplit(page.url)
                assert landed.path == "/landing" and parse_qs(landed.query)["sl_c"] == [code]
                user_agent = page.evaluate("navigator.userAgent")
                page.wait_for_timeout(300)  # some time on the page
                with page.expect_request(f"{url}/t/visit"):
                    page.evaluate("window.dispatchEvent(new Event('pagehide'))")  # leaving: the beacon says so
                assert not [p for p in problems if "Content Security Policy" in p], problems
            finally:
                browser.close()
    clicks = asyncio.run(read_messages(kafka_broker.bootstrap, topics.clicks, 1))
    visits = asyncio.run(read_messages(kafka_broker.bootstrap, topics.visits, 2))
    orders = asyncio.run(read_messages(kafka_broker.bootstrap, topics.conversions, 1))
    [click] = [ClickEvent.model_validate_json(v) for v in clicks]
    beacons = sorted((VisitEvent.model_validate_json(v) for v in visits), key=lambda v: v.seq)
    # headless Chromium says so in its user agent: flagged as a bot, and recorded all the same
    assert click.code == code and click.ua_class.value == "bot" and click.bot and all(b.bot for b in beacons)
    assert [(b.kind.value, b.visitor_id, b.code) for b in beacons] == [
        ("pageview", click.visitor_id, code), ("leave", click.visitor_id, code)]
    assert parse_qs(landed.query)["sl_v"] == [click.visitor_id] and beacons[1].dwell_ms >= 300
    for raw in clicks + visits:  # what the worker would store: no address, no user agent
        assert b"127.0.0.1" not in raw and user_agent.encode() not in raw and b"HeadlessChrome" not in raw
    assert orjson.loads(orders[0])["amount_cents"] == 1990
    ch.close()
