"""The retry policy: only Transient failures are retried, with growing waits, within its limits."""

from __future__ import annotations

import asyncio
import logging

import pytest

from pipeline.errors import BrokerUnavailable, ConfigError, StorageError, StorageUnavailable, Transient
from pipeline.retry import RetryPolicy, is_transient

FAST = RetryPolicy(first_seconds=0.001, max_seconds=0.004)


def test_the_transient_marker_is_on_the_unavailable_errors_only() -> None:
    assert is_transient(StorageUnavailable("down")) and is_transient(BrokerUnavailable("no ack"))
    assert not is_transient(StorageError("syntax")) and not is_transient(ConfigError("bad"))
    assert not is_transient(TimeoutError()) and not is_transient(ConnectionError())  # wrapped at the source


def test_transient_failures_are_retried_until_the_call_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    async def flaky(x: int) -> int:
        calls.append(x)
        if len(calls) < 4:
            raise StorageUnavailable("ClickHouse at db:9000 is unavailable")
        return x * 2

    assert asyncio.run(FAST.call("an insert", flaky, 21)) == 42
    assert calls == [21, 21, 21, 21]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 3 and all(w.startswith("an insert failed (ClickHouse at db:9000") for w in warnings)


def test_a_permanent_failure_is_raised_at_once() -> None:
    calls = 0

    async def refused() -> None:
        nonlocal calls
        calls += 1
        raise StorageError("ClickHouse refused the statement")

    with pytest.raises(StorageError):
        asyncio.run(FAST.call("an insert", refused))
    assert calls == 1


def test_a_bounded_policy_gives_up_with_the_last_error() -> None:
    calls = 0

    def down() -> None:
        nonlocal calls
        calls += 1
        raise BrokerUnavailable(f"attempt {calls}")

    bounded = RetryPolicy(first_seconds=0.001, max_seconds=0.002, attempts=3)
    with pytest.raises(BrokerUnavailable, match="attempt 3"):
        bounded.call_blocking("creating topics", down)
    assert calls == 3


def test_waits_grow_and_stay_under_the_cap() -> None:
    policy = RetryPolicy(first_seconds=0.1, max_seconds=1.0)
    wait = policy._options("x", logging.getLogger("x"))["wait"]

    class State:
        def __init__(self, n: int) -> None:
            self.attempt_number = n

    waits = [wait(State(n)) for n in range(1, 12)]
    assert all(w <= 1.0 + 1e-9 for w in waits), waits
    assert waits[0] <= 0.2 and max(waits[6:]) >= 0.9, waits  # 0.1 (+ jitter) at first, the cap later


class _Marked(Transient):
    pass


def test_any_error_marked_transient_is_retried() -> None:
    state = {"n": 0}

    def once() -> str:
        state["n"] += 1
        if state["n"] == 1:
            raise _Marked("not yet")
        return "done"

    assert FAST.call_blocking("a step", once) == "done"
