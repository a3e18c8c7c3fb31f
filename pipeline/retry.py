"""The one retry policy for transient failures (tenacity).

Every place that waits out a failure — the batch writer's inserts, dead letters Kafka did not
acknowledge, batch listeners, the desk's mirror to ClickHouse, topic creation, the alert webhook,
``sociallisten tail`` reconnecting — retries through :class:`RetryPolicy`: only exceptions marked
:class:`~pipeline.errors.Transient`, with exponential backoff and jitter from ``first_seconds`` up
to ``max_seconds`` (``SOCIALLISTEN_RETRY_MAX_SECONDS`` in the worker), logging a warning before each
wait; forever, or until ``attempts`` or ``within_seconds`` are spent, after which the last error is
raised. Anything not Transient is raised at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    stop_any,
    stop_never,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from pipeline.errors import Transient

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is worth retrying (it carries the :class:`~pipeline.errors.Transient` marker)."""
    return isinstance(exc, Transient)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for :class:`~pipeline.errors.Transient` failures."""

    first_seconds: float = 0.2
    max_seconds: float = 30.0
    attempts: int | None = None
    """Give up after this many attempts (None: no limit)."""
    within_seconds: float | None = None
    """Give up once this long has passed since the first attempt (None: no limit)."""

    def _options(self, what: str, logger: logging.Logger) -> dict[str, Any]:
        return {
            "retry": retry_if_exception_type(Transient),
            "wait": wait_exponential_jitter(initial=self.first_seconds, max=self.max_seconds,
                                            jitter=self.first_seconds),
            "stop": self._stop(),
            "before_sleep": _warn(what, logger),
            "reraise": True,
        }

    def _stop(self) -> stop_base:
        limits: list[stop_base] = []
        if self.attempts is not None:
            limits.append(stop_after_attempt(self.attempts))
        if self.within_seconds is not None:
            limits.append(stop_after_delay(self.within_seconds))
        return stop_any(*limits) if limits else stop_never

    def retrying(self, what: str, logger: logging.Logger = log) -> AsyncRetrying:
        """A tenacity controller for coroutines that retries ``what`` (named in each warning)."""
        return AsyncRetrying(**self._options(what, logger))

    async def call(self, what: str, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """Await ``fn(*args, **kwargs)``, retrying while it raises a Transient error."""
        result: T = await self.retrying(what)(fn, *args, **kwargs)
        return result

    def call_blocking(self, what: str, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Call ``fn(*args, **kwargs)`` in this thread, retrying (and sleeping) while it fails transiently."""
        return Retrying(**self._options(what, log))(fn, *args, **kwargs)


def _warn(what: str, logger: logging.Logger) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        logger.warning("%s failed (%s); retrying in %.1f s (attempt %d)", what, exc, wait, state.attempt_number,
                       extra={"attempt": state.attempt_number})

    return before_sleep
