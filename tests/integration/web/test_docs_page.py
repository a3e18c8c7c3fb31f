"""``/docs`` in headless Chromium: Swagger UI renders the API from the service's own files, within its policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import sync_playwright

from tests.fixtures.web_server import serving
from tests.integration.monitor.test_live_page import CHROMIUM_ARGS
from tests.unit.web.test_guard import _app

pytestmark = pytest.mark.integration


@pytest.fixture
def web_url() -> Iterator[str]:
    with serving(_app()) as url:
        yield url


def test_swagger_ui_lists_the_api_without_breaking_the_content_security_policy(web_url: str) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            outside: list[str] = []
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((web_url, "data:")) else None)
            page.goto(f"{web_url}/docs")
            page.wait_for_selector(".opblock", timeout=20_000)
            paths = page.locator(".opblock-summary-path").all_inner_texts()
            assert any("/api/mentions" in p for p in paths) and any("/api/cases" in p for p in paths), paths
            assert page.locator(".btn.authorize").count() == 1  # a bearer token can be given
            assert not [p for p in problems if "Content Security Policy" in p], problems
            assert outside == []
        finally:
            browser.close()
