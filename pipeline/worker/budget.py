"""The per-event cost budget of the text analysis (``SOCIALLISTEN_ANALYSIS_EVENT_SECONDS``).

Every step of the analysis is linear (or capped) in its input, so no text should take long;
the budget is the backstop for what is missed. A pure-Python step cannot be stopped from outside
safely, so the budget is enforced where the analysis runs:

* in an analysis process, which analyses in its main thread, a ``SIGALRM`` timer
  (:func:`deadline`) raises :class:`AnalysisTimeout` in the analysis once the time is up (a
  call into C code, such as the segmenter, ends first);
* in a thread (``SOCIALLISTEN_ANALYSIS_PROCESSES=0`` or the worker's own fallback) no timer
  can interrupt, so the time is measured and an analysis that ran over is discarded afterwards.

A batch is analysed in one go with an allowance of one budget per :data:`EVENTS_PER_BUDGET`
events (at least one budget); if it runs over, its texts are analysed one at a time, each
under the budget, and a text that runs over is marked with :func:`timeout_error`: the worker
dead-letters it (stage ``enrich``, reason ``analysis_timeout``) and stores the rest of the batch.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

ANALYSIS_TIMEOUT = "analysis_timeout"
"""Dead-letter reason, and the prefix of the error string, of a text that ran over its budget."""
EVENTS_PER_BUDGET = 100
"""A batch may take one per-event budget per this many events before it is analysed text by text."""


class AnalysisTimeout(Exception):
    """The analysis of a text (or batch) ran over its time budget."""


def timeout_error(seconds: float) -> str:
    """The error string that stands for the analysis of a text that ran over ``seconds``."""
    return f"{ANALYSIS_TIMEOUT}: the analysis took over {seconds:g} s (SOCIALLISTEN_ANALYSIS_EVENT_SECONDS)"


def is_timeout(error: str) -> bool:
    """Whether an analysis error string (see :func:`timeout_error`) is a timeout."""
    return error.startswith(f"{ANALYSIS_TIMEOUT}:")


def batch_allowance(budget: float | None, events: int) -> float | None:
    """Seconds a batch of ``events`` texts may take in one go (None: no budget)."""
    if not budget:
        return None
    return budget * max(1.0, events / EVENTS_PER_BUDGET)


def can_interrupt() -> bool:
    """Whether :func:`deadline` can stop work in this thread (the main thread, with ``setitimer``)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`AnalysisTimeout` in the body once ``seconds`` have passed.

    Only in the main thread (see :func:`can_interrupt`); elsewhere, or with ``seconds`` None or
    0, the body runs unbounded and the caller measures instead.

    Args:
        seconds: The time allowed.

    Raises:
        AnalysisTimeout: The body ran over (possibly just as it finished).
    """
    if not seconds or not can_interrupt():
        yield
        return

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise AnalysisTimeout(f"ran over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
