"""A web app over a filled chDB database, for the search API and page tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import SecretStr

from pipeline.config import Settings, WebSettings
from pipeline.storage import ClickHouse
from pipeline.storage.access import StorageAccess
from pipeline.web.app import create_web_app
from pipeline.web.context import WebContext

READER = "reader-token-abcdefghijklmnopqrstuvwxyz"
OTHER = "other-token-abcdefghijklmnopqrstuvwxyz12"


async def _run_blocking(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


def search_app(ch: ClickHouse) -> FastAPI:
    """The service's app on ``ch`` with two readonly users, ``reader`` and ``other``."""
    web = WebSettings(api_tokens=SecretStr(f"{READER}:readonly:reader,{OTHER}:readonly:other"))
    return create_web_app(WebContext(settings=Settings(web=web), storage=StorageAccess(ch, _run_blocking)))
