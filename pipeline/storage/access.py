"""ClickHouse and the one thread that may block on it, as handed to every part that reads or writes.

The worker, the web tier and the demo each own one storage thread: blocking ClickHouse calls run
there, serialised with the worker's inserts, so the event loop never waits on the network.
:class:`StorageAccess` pairs the connection with the function that runs a call on that thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ParamSpec, Protocol, TypeVar

from pipeline.storage.backend import ClickHouse

P = ParamSpec("P")
T = TypeVar("T")


class RunBlocking(Protocol):
    """Runs a blocking storage call on the storage thread (serialised with the worker's inserts)."""

    def __call__(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Awaitable[T]:
        """``await run_blocking(fn, *args)``: ``fn(*args)`` on the storage thread."""
        ...


@dataclass(frozen=True)
class StorageAccess:
    """ClickHouse and the one thread that may block on it."""

    ch: ClickHouse
    run_blocking: RunBlocking
