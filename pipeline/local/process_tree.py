"""The processes one process started, remembered after they are re-parented: did any outlive it?

An orphan is re-parented to PID 1 (or a subreaper), so once its parent is dead nothing links it
to the process that started it. :class:`ProcessTree` remembers every descendant it saw while the
root was alive (:meth:`ProcessTree.refresh`) and, when the root leads its own session (started
with ``setsid`` or ``start_new_session=True``), also finds the session's members, which keep the
session id after their parent died. The tests and the benchmark use it to check that a worker
leaves nothing behind.
"""

from __future__ import annotations

import os
import time

import psutil


class ProcessTree:
    """Descendants of the process ``pid``: the ones seen so far, and its session's members."""

    def __init__(self, pid: int) -> None:
        """Watch the process ``pid`` (which must be running)."""
        self.pid = pid
        self.seen: dict[int, psutil.Process] = {}
        """Every descendant seen by :meth:`refresh`, by pid (psutil tells a reused pid apart)."""
        try:
            session: int | None = os.getsid(pid)
        except OSError:
            session = None
        self.session = session if session == pid else None
        """The session the root leads, or None when it leads none."""

    def refresh(self) -> int:
        """Remember the root's current descendants.

        Returns:
            How many descendants the root has now (0 once it is gone).
        """
        try:
            children = psutil.Process(self.pid).children(recursive=True)
        except psutil.Error:
            return 0
        for child in children:
            self.seen.setdefault(child.pid, child)
        return len(children)

    def alive(self) -> list[int]:
        """Pids of the descendants still running (the root itself excluded), zombies not counted."""
        pids = {pid for pid, proc in self.seen.items() if _running(proc)}
        if self.session is not None:
            pids |= {pid for pid in psutil.pids() if pid != self.pid and _in_session(pid, self.session)}
        return sorted(pids)

    def wait_gone(self, timeout: float, interval: float = 0.1) -> list[int]:
        """Wait until no descendant runs, at most ``timeout`` seconds.

        Returns:
            The pids still running at the deadline (empty when all are gone).
        """
        deadline = time.monotonic() + timeout
        while (left := self.alive()) and time.monotonic() < deadline:
            time.sleep(interval)
        return left

    def describe(self, pids: list[int]) -> str:
        """``pid (command line)`` of each of ``pids``, for error messages."""
        out = []
        for pid in pids:
            try:
                cmd = " ".join(psutil.Process(pid).cmdline())[:160]
            except psutil.Error:
                cmd = "?"
            out.append(f"{pid} ({cmd})")
        return ", ".join(out)


def _running(proc: psutil.Process) -> bool:
    try:
        return bool(proc.is_running()) and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _in_session(pid: int, session: int) -> bool:
    try:
        return os.getsid(pid) == session and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except (OSError, psutil.Error):
        return False
