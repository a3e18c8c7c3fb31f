"""When the batch drain hands a gathered batch over: full, due, or early while the worker is idle."""

from __future__ import annotations

import pytest

from pipeline.worker.batch_drain import IDLE_POLL_SECONDS, BatchSource


async def _noop(messages: list[object]) -> None:
    return None


def source(*, idle: bool | None, min_seconds: float = 0.1, max_seconds: float = 0.5) -> BatchSource:
    check = None if idle is None else (lambda: idle)
    return BatchSource(frozenset({"t"}), _noop, 2000, max_seconds, min_seconds, check)  # type: ignore[arg-type]


@pytest.mark.parametrize("idle", [None, False, True])
def test_a_batch_as_old_as_max_seconds_is_always_due(idle: bool | None) -> None:
    assert source(idle=idle).due(0.5)
    assert source(idle=idle).due(3.0)


def test_without_an_idle_check_a_young_batch_waits_for_max_seconds() -> None:
    assert not source(idle=None).due(0.2)
    assert source(idle=None).wait_at_most(0.2) == pytest.approx(0.3)


def test_an_idle_worker_takes_a_batch_once_it_is_min_seconds_old() -> None:
    assert not source(idle=True).due(0.05)
    assert source(idle=True).due(0.1)
    assert source(idle=True).due(0.2)


def test_a_busy_worker_lets_the_batch_keep_gathering() -> None:
    assert not source(idle=False).due(0.2)
    assert not source(idle=False).due(0.49)


def test_the_fetch_wait_ends_when_the_batch_may_go() -> None:
    # young batch: wait until it is min_seconds old
    assert source(idle=True).wait_at_most(0.02) == pytest.approx(0.08)
    # old enough but the worker is busy: look again soon, never past max_seconds
    assert source(idle=False).wait_at_most(0.2) == pytest.approx(IDLE_POLL_SECONDS)
    assert source(idle=False).wait_at_most(0.495) == pytest.approx(0.005)
    assert source(idle=False).wait_at_most(0.7) == 0.0


def test_min_seconds_at_or_past_max_seconds_turns_early_hand_over_off() -> None:
    late = source(idle=True, min_seconds=0.5)
    assert not late.due(0.3)
    assert late.due(0.5)
