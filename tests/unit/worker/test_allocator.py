"""The allocator's arena limit and trimming: in force on glibc, trimming at most as often as set."""

from __future__ import annotations

import platform

import pytest

from pipeline.worker import allocator
from pipeline.worker.allocator import Trimmer, limit_arenas, trim


def test_limit_and_trim_are_in_force_on_glibc() -> None:
    assert platform.libc_ver()[0] == "glibc"  # the project's platform (Debian, the images)
    assert limit_arenas(2) is True
    assert limit_arenas(0) is False  # 0 keeps glibc's default
    junk = [bytearray(4096) for _ in range(20_000)]  # 80 MB on the heap, then freed: trim gives pages back
    del junk
    assert trim() is True


def test_trimmer_trims_at_most_every_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    calls: list[int] = []
    monkeypatch.setattr(allocator.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(allocator, "trim", lambda: calls.append(1) or True)
    every = Trimmer(1.0)
    every.maybe_trim()
    now[0] += 0.5
    every.maybe_trim()
    now[0] += 0.6
    every.maybe_trim()
    assert len(calls) == every.calls == 2
    never = Trimmer(0.0)
    never.maybe_trim()
    assert len(calls) == 2 and never.calls == 0
    never.trim_now()
    assert len(calls) == 3 and never.calls == 1
