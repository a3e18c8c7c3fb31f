"""The one retry policy for transient failures (tenacity).

Every place that waits out an outage — the batch writer's inserts, dead letters Kafka did not
acknowledge, batch listeners, the desk's mirror to ClickHouse — retries through
:class:`RetryPolicy`: only exceptions marked :class:`~pipeline.errors.Transient`, with exponential
backoff and jitter from ``first_seconds`` up to ``max_seconds`` (``SOCIALLISTEN_RETRY_MAX_SECONDS``),
forever, logging a warning before each wait. Anything else is raised at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_never, wait_exponential_jitter

from pipeline.errors import Transient

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is worth retrying (it carries the :class:`~pipeline.errors.Transient` marker)."""
    return isinstance(exc, Transient)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for :class:`~pipeline.errors.Transient` failures, without end."""

    first_seconds: float = 0.2
    max_seconds: float = 30.0

    def retrying(self, what: str, logger: logging.Logger = log) -> AsyncRetrying:
        """A tenacity controller that retries ``what`` (named in each warning) while it fails transiently."""
        return AsyncRetrying(
            retry=retry_if_exception_type(Transient),
            wait=wait_exponential_jitter(initial=self.first_seconds, max=self.max_seconds,
                                         jitter=self.first_seconds),
            stop=stop_never,
            before_sleep=_warn(what, logger),
            reraise=True,
        )

    async def call(self, what: str, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """Await ``fn(*args, **kwargs)``, retrying while it raises a Transient error."""
        result: T = await self.retrying(what)(fn, *args, **kwargs)
        return result


def _warn(what: str, logger: logging.Logger) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        logger.warning("%s failed (%s); retrying in %.1f s (attempt %d)", what, exc, wait, state.attempt_number,
                       extra={"attempt": state.attempt_number})

    return before_sleep
