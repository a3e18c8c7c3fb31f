"""``/search`` in headless Chromium: query, counts linking to their posts, hits with evidence, errors, policy."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import expect, sync_playwright

from pipeline.storage import connect
from pipeline.storage.migrate import migrate
from pipeline.storage.tables import MENTION_COLUMNS
from tests.fixtures.web_server import serving
from tests.integration.monitor.test_live_page import CHROMIUM_ARGS
from tests.integration.search.data import rows
from tests.integration.search.web import READER, search_app

pytestmark = pytest.mark.integration


@pytest.fixture
def web_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    ch = connect(f"chdb://{tmp_path_factory.mktemp('search_page') / 'chdb'}")
    migrate(ch)
    ch.insert("mentions", MENTION_COLUMNS, list(rows()))
    try:
        with serving(search_app(ch)) as url:
            yield url
    finally:
        ch.close()


def test_search_page_drills_down_from_counts_to_posts(web_url: str) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            urls: list[str] = []
            page.on("request", lambda r: urls.append(r.url))
            page.add_init_script(f"localStorage.setItem('sociallisten.token', '{READER}')")
            page.goto(f"{web_url}/search?q={quote('NOT kind:comment')}")
            page.wait_for_selector("#hits li", timeout=15_000)
            assert page.locator("#by-day a").count() > 0 and page.locator("#by-platform a").count() > 0
            assert page.locator("#hits .tag.signal").count() > 0 and page.locator("#hits .evidence").count() > 0
            platform = page.locator("#by-platform a").first
            name = platform.inner_text()
            count = int(platform.locator("xpath=following-sibling::span[@class='n']").inner_text())
            platform.click()
            expect(page.locator("#total")).to_have_text(str(count), timeout=10_000)
            assert f"platform:\"{name}\"" in page.input_value("#q") and "platform" in page.url
            assert all(m.startswith(name) for m in page.locator("#hits .meta").all_inner_texts())
            page.fill("#q", "蒙牛 AND (退款")
            page.click("#search button[type=submit]")
            page.wait_for_selector("#error:not([hidden])", timeout=10_000)
            assert "expected ')'" in page.inner_text("#error") and "^" in page.inner_text("#error")
            assert not [p for p in problems if "Content Security Policy" in p], problems
            assert not [u for u in urls if READER in u], "the token never goes into a URL"
        finally:
            browser.close()
