"""The benchmark's CPU split: worker, analysis and ClickHouse parts from two samples."""

from __future__ import annotations

import os
import threading

import pytest

from pipeline.bench.cpu import CpuSample, cpu_split, ms_per_1k, python_threads


def test_a_server_is_counted_as_its_own_process() -> None:
    first = CpuSample(process=10.0, threads={1: 9.0}, children={7: 3.0}, server=5.0)
    last = CpuSample(process=12.0, threads={1: 10.5}, children={7: 4.0, 8: 0.5}, server=6.5)
    # with a server the whole worker process is the worker's; an analysis process started
    # within the window (pid 8) counts in full
    assert cpu_split(first, last) == pytest.approx({"worker": 2.0, "analysis": 1.5, "clickhouse": 1.5})


def test_chdb_is_its_threads_and_python_time_inside_its_calls() -> None:
    first = CpuSample(process=10.0, threads={1: 6.0, 2: 1.0}, children={7: 3.0}, engine=0.5)
    last = CpuSample(process=14.0, threads={1: 7.0, 2: 2.0, 3: 0.5}, children={7: 5.0}, engine=1.0)
    split = cpu_split(first, last)
    # Python's threads grew 2.5 s, 0.5 s of which inside chDB's calls; chDB's own threads 1.5 s
    assert split == pytest.approx({"worker": 2.0, "analysis": 2.0, "clickhouse": 2.0})
    assert sum(split.values()) == pytest.approx(last.process - first.process + 2.0)
    assert ms_per_1k(split, 4000) == {"worker": 500.0, "analysis": 500.0, "clickhouse": 500.0}


def test_python_threads_sees_a_busy_thread_of_this_process() -> None:
    spun, release = threading.Event(), threading.Event()
    tid: list[int] = []

    def spin() -> None:
        tid.append(threading.get_native_id())
        total = 0
        for i in range(3_000_000):  # a few hundred ms of CPU: many clock ticks
            total += i
        spun.set()
        release.wait()

    worker = threading.Thread(target=spin)
    worker.start()
    try:
        spun.wait()
        seen = python_threads()
    finally:
        release.set()
        worker.join()
    assert seen[tid[0]] > 0  # its own CPU, under its own thread id
    assert os.getpid() in seen  # the main thread's id is the process id
