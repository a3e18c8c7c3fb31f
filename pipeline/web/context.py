"""What the web layer needs from the running worker, in one object."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline.config import Settings
from pipeline.storage import ClickHouse
from pipeline.web.hub import Hub


@dataclass
class WebContext:
    """Shared by every route module; features attach their services under ``services``."""

    settings: Settings
    ch: ClickHouse
    run_blocking: Callable[..., Awaitable[Any]]
    """Run a blocking storage call on the storage thread: ``await ctx.run_blocking(fn, *args)``."""
    mentions: Hub = field(default_factory=Hub)
    alerts: Hub = field(default_factory=Hub)
    cases: Hub = field(default_factory=Hub)
    services: dict[str, Any] = field(default_factory=dict)
