"""CPU time of the pipeline's processes, split by what they are: worker, analysis, ClickHouse.

A benchmark child takes a :class:`CpuSample` when its first batch is stored and another when its
last one is, the same window its events/s is measured over; :func:`cpu_split` turns the two into
CPU seconds per part:

- ``worker``: the worker process's Python threads (the event loop, the storage, result and
  prepare threads);
- ``analysis``: every process the worker started (its analysis processes);
- ``clickhouse``: the ClickHouse server process when one is used (its pid given), else chDB inside
  the worker process: its own threads (named by ClickHouse, unlike Python's, which keep the
  process's name) and the time Python's threads spent inside its calls
  (:meth:`~pipeline.storage.chdb_backend.ChdbClickHouse.engine_cpu_seconds`).

Counts are per pid and per thread id, so a process or thread started within the window counts in
full; one that ended within it is lost (a dead Python thread's share falls to ``clickhouse``).
Off Linux the worker process is not split: chDB's threads count as ``worker``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import psutil

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PARTS = ("worker", "analysis", "clickhouse")
"""The parts of :func:`cpu_split`, in report order."""


def _cpu(proc: psutil.Process) -> float | None:
    try:
        times = proc.cpu_times()
    except psutil.Error:
        return None  # ended meanwhile
    return float(times.user + times.system)


def python_threads(pid: int | None = None) -> dict[int, float]:
    """CPU seconds by thread id of the threads of ``pid`` (default: this process) named like the process.

    Python's threads keep the process's name; native libraries that name their threads (chDB)
    are left out. Empty where ``/proc`` is missing.
    """
    task = Path(f"/proc/{pid or os.getpid()}/task")
    try:
        own = (task.parent / "comm").read_text()
        tids = [p.name for p in task.iterdir()]
    except OSError:
        return {}
    out: dict[int, float] = {}
    for tid in tids:
        try:
            if (task / tid / "comm").read_text() != own:
                continue
            stat = (task / tid / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state is field 3, utime 14, stime 15
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / _TICKS
    return out


@dataclass(frozen=True)
class CpuSample:
    """Cumulative CPU seconds of the pipeline's processes at one moment."""

    process: float
    threads: dict[int, float] = field(default_factory=dict)
    children: dict[int, float] = field(default_factory=dict)
    server: float | None = None
    engine: float = 0.0
    """Python's threads' CPU inside chDB's calls."""

    @classmethod
    def take(cls, server_pid: int | None = None) -> CpuSample:
        """This process, its Python threads, every process it started, and the server ``server_pid``."""
        from pipeline.storage.chdb_backend import ChdbClickHouse

        me = psutil.Process()
        children = {c.pid: cpu for c in me.children(recursive=True) if (cpu := _cpu(c)) is not None}
        server = _cpu(psutil.Process(server_pid)) if server_pid else None
        return cls(process=_cpu(me) or 0.0, threads=python_threads(), children=children, server=server,
                   engine=ChdbClickHouse.engine_cpu_seconds())


def _grown(before: dict[int, float], after: dict[int, float]) -> float:
    return sum((max(0.0, cpu - before.get(key, 0.0)) for key, cpu in after.items()), 0.0)


def cpu_split(first: CpuSample, last: CpuSample) -> dict[str, float]:
    """CPU seconds spent between ``first`` and ``last`` by each of :data:`PARTS`."""
    process = max(0.0, last.process - first.process)
    analysis = _grown(first.children, last.children)
    if last.server is not None and first.server is not None:
        return {"worker": process, "analysis": analysis, "clickhouse": max(0.0, last.server - first.server)}
    if not last.threads:
        return {"worker": process, "analysis": analysis, "clickhouse": 0.0}
    python = min(process, _grown(first.threads, last.threads))
    engine = min(python, max(0.0, last.engine - first.engine))
    return {"worker": python - engine, "analysis": analysis, "clickhouse": process - python + engine}


def ms_per_1k(split: dict[str, float], events: float) -> dict[str, float]:
    """CPU milliseconds per 1,000 events of each part (rounded to 0.1)."""
    return {part: round(1e6 * seconds / max(events, 1.0), 1) for part, seconds in split.items()}
