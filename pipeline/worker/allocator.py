"""Keeps the C allocator (glibc malloc) from holding memory the worker no longer uses.

Python objects of up to 512 bytes live in Python's own arenas, which go back to the system once
empty; everything larger (texts, message values, the item arrays of lists and dicts, the
buffers of the Kafka client, the ClickHouse driver and chDB) comes from glibc's malloc. glibc
gives each thread that allocates concurrently an arena of its own, up to 8 per core, and keeps
freed memory in them for reuse: measured in the benchmark's worker (docs/benchmark.md, Memory
stage), 45 to 95 MB of its malloc heap was free but still resident at any time.

Two settings bound that: :func:`limit_arenas` caps the arenas (``SOCIALLISTEN_MALLOC_ARENAS``;
it counts for arenas created afterwards, so it is called before the worker starts its threads or
opens chDB), and :class:`Trimmer` hands free malloc memory back to the system every
``SOCIALLISTEN_MALLOC_TRIM_SECONDS`` (``malloc_trim``, a fraction of a millisecond per call).
Neither changes what the worker computes. Elsewhere than glibc both do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import time
from functools import cache

log = logging.getLogger(__name__)

M_ARENA_MAX = -8
"""mallopt's parameter number for the arena limit (glibc's malloc.h)."""


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError):
        return None  # not glibc (musl, macOS): its own allocator, nothing to tune here
    return libc


def limit_arenas(arenas: int) -> bool:
    """Cap glibc's malloc arenas at ``arenas`` for arenas created from now on (0: glibc's default).

    Returns whether the limit is in force.
    """
    libc = _libc()
    if arenas <= 0 or libc is None:
        return False
    return bool(libc.mallopt(M_ARENA_MAX, arenas))


def trim() -> bool:
    """Give free malloc memory back to the system (``malloc_trim(0)``); whether any was returned."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


class Trimmer:
    """Calls :func:`trim` at most every ``seconds`` (0: never), and keeps count of the time it took."""

    def __init__(self, seconds: float) -> None:
        """A trimmer that trims at most every ``seconds``."""
        self.seconds = seconds
        self.calls = 0
        self.spent = 0.0
        """Seconds spent in malloc_trim in all."""
        self._last = 0.0

    def maybe_trim(self) -> None:
        """Trim if the last trim is ``seconds`` old."""
        if self.seconds > 0 and time.monotonic() - self._last >= self.seconds:
            self.trim_now()

    def trim_now(self) -> None:
        """Trim now (also when ``seconds`` is 0), counting the time it takes."""
        started = time.monotonic()
        trim()
        self._last = time.monotonic()
        self.calls += 1
        self.spent += self._last - started
