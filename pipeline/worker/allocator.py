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
from pathlib import Path

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
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
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
    """Calls :func:`trim` at most every ``seconds`` (0: never), where no timer schedules it (analysis processes)."""

    def __init__(self, seconds: float) -> None:
        """A trimmer that trims at most every ``seconds``."""
        self.seconds = seconds
        self.calls = 0
        self._last = 0.0

    def maybe_trim(self) -> None:
        """Trim if the last trim is ``seconds`` old."""
        if self.seconds > 0 and time.monotonic() - self._last >= self.seconds:
            self.trim_now()

    def trim_now(self) -> None:
        """Trim now (also when ``seconds`` is 0)."""
        trim()
        self._last = time.monotonic()
        self.calls += 1


MADV_DONTNEED = 4
"""madvise's advice number (Linux): drop the pages from this process; a file's pages come back from it on use."""


def release_file_pages(mappings: list[tuple[int, int, int]]) -> int:
    """Drop this process's resident pages of ``mappings`` (from :func:`clean_file_mappings`).

    For a large library such as chDB's (over 500 MB, about 290 MB of it resident after its engine
    starts, mostly code run once at start-up): the pages are the file's own, unmodified, so the
    kernel maps them again from the page cache when they are used. Returns the bytes the mappings
    had resident when they were listed.
    """
    libc = _libc()
    if libc is None:
        return 0
    released = 0
    for start, size, rss in mappings:
        if libc.madvise(ctypes.c_void_p(start), ctypes.c_size_t(size), MADV_DONTNEED) == 0:
            released += rss
    return released


def clean_file_mappings(fragment: str) -> list[tuple[int, int, int]]:
    """(start, size, resident bytes) of the read-only, unmodified file mappings whose path contains ``fragment``.

    A mapping with private or anonymous pages (relocated data) is left out: dropping those would lose
    the changes. A loaded library's mappings do not change: list them once, release them often.
    """
    found: list[tuple[int, int, int]] = []
    current: dict[str, int] | None = None
    try:
        lines = Path("/proc/self/smaps").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        parts = line.split()
        if len(parts) >= 5 and "-" in parts[0] and not parts[0].endswith(":"):
            low, high = (int(x, 16) for x in parts[0].split("-"))
            path = parts[5] if len(parts) > 5 else ""
            current = {"start": low, "size": high - low} if fragment in path and "w" not in parts[1] else None
            if current is not None:
                found.append((low, high - low, 0))
        elif current is not None and parts[0] in ("Rss:", "Private_Dirty:", "Anonymous:"):
            kb = int(parts[1]) * 1024
            if parts[0] == "Rss:":
                found[-1] = (found[-1][0], found[-1][1], kb)
            elif kb:  # privately modified pages (relocations): dropping them would lose the changes
                found.pop()
                current = None
    return found
