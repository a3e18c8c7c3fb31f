"""A web app with deep tracking on a real broker and chDB, for the tracking web tests and the benchmark."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from pydantic import SecretStr

from pipeline.config import Settings, WebSettings
from pipeline.kafka.topics import Topics
from pipeline.storage import ClickHouse
from pipeline.storage.access import StorageAccess
from pipeline.tracking.outbox import Outbox
from pipeline.web.app import create_web_app
from pipeline.web.context import WebContext

SUPERVISOR, SHOP, READER = "s" * 40, "p" * 40, "r" * 40
LANDING = '<!doctype html><html><head><script src="/t.js" async></script></head><body>landing</body></html>'


def tracking_app(ch: ClickHouse, bootstrap: str, prefix: str) -> tuple[FastAPI, Outbox, Topics]:
    """The web app on ``ch`` with an outbox to ``bootstrap`` and a brand page at ``/landing`` that includes /t.js."""
    settings = Settings(kafka={"topic_prefix": prefix},  # type: ignore[arg-type]
                        web=WebSettings(api_tokens=SecretStr(f"{SUPERVISOR}:supervisor,{SHOP}:shop,{READER}:readonly")))
    pool = ThreadPoolExecutor(max_workers=2)

    async def run_blocking(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(pool, lambda: fn(*args, **kwargs))

    outbox = Outbox(bootstrap)
    topics = Topics.from_settings(settings)
    app = create_web_app(WebContext(settings=settings, storage=StorageAccess(ch, run_blocking), outbox=outbox,
                                    topics=topics))

    @app.get("/landing", include_in_schema=False)
    async def landing() -> HTMLResponse:
        return HTMLResponse(LANDING)

    return app, outbox, topics


async def read_messages(bootstrap: str, topic: str, expected: int, timeout: float = 30.0) -> list[bytes]:
    """Values of ``topic`` from the start until ``expected`` distinct ones were read or ``timeout`` passed."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    seen: dict[bytes, None] = {}
    try:
        deadline = time.monotonic() + timeout
        while len(seen) < expected and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                seen.update((r.value, None) for r in records if r.value is not None)
    finally:
        await consumer.stop()
    return list(seen)
