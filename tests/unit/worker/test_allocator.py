"""The allocator's arena limit and trimming: in force on glibc, trimming at most as often as set."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from pipeline.storage.chdb_backend import ENGINE_CONFIG, engine_options
from pipeline.worker import allocator
from pipeline.worker.allocator import Trimmer, clean_file_mappings, limit_arenas, release_file_pages, trim


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


def test_clean_file_mappings_are_read_only_and_unmodified_and_come_back_on_use() -> None:
    import _ctypes  # a compiled module: its library is mapped from a file, read-only parts and relocated parts

    found = clean_file_mappings(Path(_ctypes.__file__).name)
    assert found and all(size > 0 for _, size, _ in found)
    maps = Path("/proc/self/maps").read_text().splitlines()
    perms = {int(line.split("-")[0], 16): line.split()[1] for line in maps}
    assert all("w" not in perms[start] for start, _, _ in found)
    release_file_pages(found)
    assert trim() in (True, False) and limit_arenas(2)  # the library's code still runs after its pages went


def test_chdb_engine_options_bound_its_memory_only_when_set() -> None:
    assert engine_options(0) == f"?config-file={ENGINE_CONFIG}"  # the merge settings, always
    assert ENGINE_CONFIG.is_file()
    options = dict(pair.split("=") for pair in engine_options(256).lstrip("?").split("&"))
    assert options["config-file"] == str(ENGINE_CONFIG)
    assert options["max_server_memory_usage"] == str(256 * 2**20)
    assert options["mark_cache_size"] == options["compiled_expression_cache_size"] == str(32 * 2**20)
