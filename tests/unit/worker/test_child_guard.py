"""Children end on their own when their parent is killed with SIGKILL (real processes, no broker).

Each test starts a small parent (:mod:`tests.fixtures.guarded_parent`) in its own session, waits
until its child is started and guarded, kills the parent's pid only, and waits (with a deadline)
for every process of the parent's tree to be gone.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from pipeline.local.child_guard import set_parent_death_signal
from tests.fixtures.guarded_parent import GuardedParent
from tests.fixtures.kafka import LEFTOVER_SECONDS

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")


@pytest.fixture
def start_parent() -> Iterator[type[GuardedParent]]:
    """``GuardedParent``; every one started is killed with its tree at the end."""
    started: list[GuardedParent] = []

    class Tracked(GuardedParent):
        def __init__(self, mode: str) -> None:
            super().__init__(mode)
            started.append(self)

    yield Tracked
    for parent in started:
        parent.cleanup()


@pytest.mark.parametrize(
    ("mode", "ready"),
    [
        pytest.param("guard", 2, id="both-guards"),
        pytest.param("signal", 2, id="parent-death-signal-alone", marks=linux_only),
        pytest.param("watchdog", 2, id="watchdog-alone"),
        pytest.param("late", 2, id="parent-gone-before-the-guard"),
        pytest.param("exec", 1, id="program-started-with-die-with-parent", marks=linux_only),
    ],
)
def test_a_child_ends_when_its_parent_is_killed(start_parent: type[GuardedParent], mode: str, ready: int) -> None:
    parent = start_parent(mode)
    parent.wait_ready(ready)
    assert parent.tree.alive(), "the parent should have a child running"
    parent.kill9()
    left = parent.tree.wait_gone(LEFTOVER_SECONDS)
    assert not left, f"still running {LEFTOVER_SECONDS:.0f} s after the parent was killed: {parent.tree.describe(left)}"


@linux_only
def test_the_parent_death_signal_is_available_here() -> None:
    assert set_parent_death_signal(0)  # 0 clears it again: this test process keeps no death signal
