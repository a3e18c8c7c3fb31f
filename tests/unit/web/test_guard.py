"""Request body limits before authentication, and the security headers of every answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from pipeline.config import Settings, WebSettings
from pipeline.metrics import Metrics
from pipeline.storage.access import StorageAccess
from pipeline.web.app import create_web_app
from pipeline.web.context import WebContext
from pipeline.web.guard import CONTENT_SECURITY_POLICY, BodyLimit
from pipeline.web.ops import create_ops_app

LIMIT = 4096
AGENT = "agent-token-abcdefghijklmnopqrstuv"
OVERRIDE = "/api/audience/overrides/weibo/u1"


def _app() -> FastAPI:
    web = WebSettings(api_tokens=SecretStr(f"{AGENT}:agent"), web_max_body_bytes=LIMIT)
    return create_web_app(WebContext(settings=Settings(web=web), storage=cast(StorageAccess, object())))


class _Body:
    """A streamed request body of ``chunks`` chunks of 1 KiB that counts how many were taken."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.taken = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.taken += 1
            yield b"x" * 1024


def _put(body: _Body, headers: dict[str, str]) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.put(OVERRIDE, content=body, headers=headers)

    return asyncio.run(go())


def test_an_oversized_unauthenticated_body_gets_413_by_its_content_length_unread() -> None:
    body = _Body(50 * 1024)  # 50 MiB, if anyone read it
    answer = _put(body, {"Content-Length": str(50 * 1024 * 1024), "Content-Type": "application/json"})
    assert answer.status_code == 413 and "over the limit of 4096 bytes" in answer.json()["detail"]
    assert body.taken == 0, "not one chunk of the body was read"
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_streamed_body_is_cut_once_it_passes_the_limit() -> None:
    body = _Body(50 * 1024)  # chunked: no Content-Length to go by; signed in, so the route reads it
    answer = _put(body, {"Content-Type": "application/json", "Authorization": f"Bearer {AGENT}"})
    assert answer.status_code == 413
    assert body.taken <= LIMIT // 1024 + 2, f"{body.taken} KiB read of a {LIMIT} byte limit"


def test_authentication_comes_before_the_body() -> None:
    body = _Body(2)  # within the limit, but nobody is signed in: the body is never read
    answer = _put(body, {"Content-Type": "application/json"})
    assert answer.status_code == 401 and body.taken == 0
    client = TestClient(_app())
    bad = client.put(OVERRIDE, headers={"Authorization": f"Bearer {AGENT}"}, content=b"{not json")
    assert bad.status_code == 422  # an authenticated caller's body is parsed (and found wanting)
    garbage = client.put(OVERRIDE, headers={"Content-Length": "12x"}, content=b"")
    assert garbage.status_code == 400


@pytest.mark.parametrize("path", ["/", "/live", "/desk", "/static/desk.js", "/api/health", "/api/cases",
                                  "/openapi.json", "/no/such/page"])
def test_every_answer_carries_the_security_headers(path: str) -> None:
    answer = TestClient(_app()).get(path)
    headers = answer.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY and "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"


def test_pages_have_no_inline_code_and_no_cdn() -> None:
    client = TestClient(_app())
    for page in ("/", "/live", "/desk", "/docs"):
        html = client.get(page).text
        assert "<style" not in html and "style=" not in html and " on" + "click" not in html
        assert "<script>" not in html and "//cdn" not in html and "https://" not in html and "http://" not in html
    assert client.get("/redoc").status_code == 404


def test_swagger_ui_is_served_from_the_service_and_only_the_files_it_needs() -> None:
    client = TestClient(_app())
    html = client.get("/docs").text
    for asset in ("/docs/assets/swagger-ui.css", "/docs/assets/swagger-ui-bundle.js", "/static/docs.js"):
        assert f'"{asset}"' in html
        answer = client.get(asset)
        assert answer.status_code == 200 and answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "SwaggerUIBundle" in client.get("/docs/assets/swagger-ui-bundle.js").text
    for other in ("/docs/assets/redoc.standalone.js", "/docs/assets/__init__.py", "/docs/assets/..%2F..%2Fapp.py"):
        assert client.get(other).status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "sociallisten"


def test_the_body_limit_leaves_small_bodies_and_websockets_alone() -> None:
    received: list[bytes] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        message = await receive()
        received.append(message["body"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    client = TestClient(cast(Any, BodyLimit(app, max_bytes=LIMIT)))
    assert client.post("/", content=b"y" * LIMIT).status_code == 204 and received == [b"y" * LIMIT]


def test_a_workers_operations_port_carries_them_too() -> None:
    client = TestClient(create_ops_app(Metrics(), lambda: {"ready": True, "reasons": []}))
    for path in ("/healthz", "/readyz", "/metrics"):
        answer = client.get(path)
        assert answer.status_code == 200 and answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert client.get("/docs").status_code == 404
