"""Waiting for the background merges after the fill: quiet means no merge and the same parts for a while."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.bench.queries.settle import settle


class Scripted:
    """A ClickHouse whose ``system.merges`` and ``system.parts`` counts follow a script, then stay at its end."""

    def __init__(self, states: list[tuple[int, int]]) -> None:
        self.states = states
        self.polls = 0

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        merges, parts = self.states[min(self.polls, len(self.states) - 1)]
        if "system.parts" in sql:
            self.polls += 1
            return [{"n": parts}]
        return [{"n": merges}]


def test_settled_once_no_merge_runs_and_the_parts_stay_put() -> None:
    ch = Scripted([(2, 40), (2, 40), (1, 31), (0, 31), (0, 12)])
    seen: list[int] = []
    done = settle(ch, 30, quiet_seconds=0.05, poll_seconds=0.01, tick=seen.append)  # type: ignore[arg-type]
    assert done.settled and done.parts_before_settle == 40 and done.parts_after_settle == 12
    assert seen[:3] == [40, 31, 31] and set(seen[3:]) == {12}


def test_parts_that_keep_changing_are_not_settled_even_with_no_merge_listed() -> None:
    ch = Scripted([(0, 100 - i) for i in range(100)])  # merges too short to be seen by a poll
    done = settle(ch, 0.2, quiet_seconds=0.05, poll_seconds=0.01)  # type: ignore[arg-type]
    assert not done.settled and done.parts_after_settle < 99


def test_gives_up_after_the_bound_with_merges_still_running() -> None:
    ch = Scripted([(1, 50), (1, 49), (1, 48), (1, 47)])
    done = settle(ch, 0.1, quiet_seconds=0.05, poll_seconds=0.01)  # type: ignore[arg-type]
    assert not done.settled and done.parts_before_settle == 50 and done.parts_after_settle == 47
    assert done.settle_seconds >= 0.1
