"""The worker's event loop: uvloop when installed and chosen, else the standard library's.

Faust runs the agents, the consumer's own thread, the web server and every future handed
back by the storage and analysis threads on asyncio. uvloop (libuv underneath) makes each
callback, future and socket wake-up cheaper; measured on the benchmark's full pipeline
(alternating runs, 40,000 events), the worker spent about a tenth less CPU per event.

The policy must be set before Faust creates its loop, so :func:`use_event_loop` runs at the
start of :class:`pipeline.worker.app.Worker`'s construction (and in the benchmark's Faust ceiling, so
both measure the same runtime).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

log = logging.getLogger(__name__)

EventLoop = Literal["uvloop", "asyncio"]


def use_event_loop(kind: EventLoop) -> str:
    """Install the event-loop policy for loops created from now on; returns the loop in use."""
    if kind == "uvloop":
        try:
            import uvloop
        except ImportError:
            log.warning("SOCIALLISTEN_EVENT_LOOP=uvloop but uvloop is not installed; using asyncio's loop "
                        "(pip install uvloop)")
        else:
            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
            return "uvloop"
    asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
    return "asyncio"


def running_loop_name() -> str:
    """'uvloop' or 'asyncio': the library of the running loop (for state snapshots)."""
    module = type(asyncio.get_running_loop()).__module__
    return "uvloop" if module.startswith("uvloop") else "asyncio"
