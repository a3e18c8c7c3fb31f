"""Child processes that never outlive the process that started them.

A worker killed with ``kill -9`` runs no cleanup: without help, its analysis processes (and any
other child) are re-parented to PID 1 (or a subreaper) and keep their memory forever. Two guards,
both set up in the child:

- **Parent-death signal (Linux).** ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` makes the kernel kill the
  child the moment its parent ends, however it ends, even while the child is busy in C code.
  The kernel means the parent *thread*: a child started from a thread that later ends is killed
  too, so start long-lived children from the thread that lives longest (the main thread).
- **Watchdog (everywhere).** A daemon thread compares ``os.getppid()`` with the parent's pid every
  :data:`POLL_SECONDS` and ends the process when they differ (the orphan was re-parented).

Both check ``os.getppid()`` once right after they are set up: a parent that died before the
child got that far is caught too.

:func:`guard_child` is for Python children (a multiprocessing initializer); :func:`die_with_parent`
is a ``preexec_fn`` for ``subprocess.Popen`` of other programs, which get the parent-death signal only.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
"""How often the watchdog thread looks at the parent pid."""

ORPHANED = 75
"""Exit status of a child whose parent is gone (sysexits: EX_TEMPFAIL; nobody is left to read it)."""

_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """The C library's ``prctl`` (Linux), looked up once: a ``preexec_fn`` should not load libraries after fork."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


def set_parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent thread ends.

    Args:
        sig: The signal; SIGKILL ends the process even while it is busy in C code.

    Returns:
        Whether the request was accepted (only Linux has it).
    """
    prctl = _prctl()
    return prctl is not None and prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0


def die_with_parent(parent_pid: int) -> Callable[[], None]:
    """A ``preexec_fn`` for ``subprocess.Popen``: the started program dies with ``parent_pid``.

    Runs in the child between fork and exec, so it only sets the parent-death signal (SIGKILL,
    Linux; kept across exec) and exits at once if the parent is already gone. The program is
    killed when the *thread* calling ``Popen`` ends: start it from the main thread.

    Args:
        parent_pid: The pid of the process calling ``Popen`` (``os.getpid()`` there).

    Returns:
        The function to pass as ``preexec_fn``.
    """
    _prctl()  # looked up here, in the parent

    def preexec() -> None:
        set_parent_death_signal(signal.SIGKILL)
        if os.getppid() != parent_pid:
            os._exit(ORPHANED)

    return preexec


def guard_child(parent_pid: int, *, poll_seconds: float = POLL_SECONDS) -> None:
    """Make this (Python) process end when ``parent_pid`` is no longer its parent.

    Call it first thing in the child (a multiprocessing initializer): sets the parent-death
    signal, exits at once if the parent is already gone, and starts the watchdog thread.

    Args:
        parent_pid: The pid of the process that started this one, as that process saw it.
        poll_seconds: How often the watchdog thread looks at the parent pid.
    """
    set_parent_death_signal(signal.SIGKILL)
    if os.getppid() != parent_pid:
        _orphaned(parent_pid)
    watch_parent(parent_pid, poll_seconds=poll_seconds)


def watch_parent(parent_pid: int, *, poll_seconds: float = POLL_SECONDS) -> threading.Thread:
    """Start the watchdog thread: it ends this process once ``parent_pid`` is no longer its parent.

    The portable half of :func:`guard_child`; it needs the interpreter to run (the parent-death
    signal does not).

    Args:
        parent_pid: The pid of the process that started this one, as that process saw it.
        poll_seconds: How often to look at the parent pid.

    Returns:
        The started (daemon) thread.
    """
    watchdog = threading.Thread(target=_watch, args=(parent_pid, poll_seconds), name="parent-watchdog", daemon=True)
    watchdog.start()
    return watchdog


def _watch(parent_pid: int, poll_seconds: float) -> None:
    while os.getppid() == parent_pid:
        time.sleep(poll_seconds)
    _orphaned(parent_pid)


def _orphaned(parent_pid: int) -> None:
    try:
        log.warning("process %d: its parent (pid %d) is gone; exiting", os.getpid(), parent_pid)
    finally:
        os._exit(ORPHANED)
