"""Which idle workers the stall watchdog reports (pure decision over the consumer's offsets)."""

from __future__ import annotations

from types import SimpleNamespace

from pipeline.worker.diagnostics import stall_reason


def _app(*, rebalancing: bool = False, in_recovery: bool = False) -> SimpleNamespace:
    return SimpleNamespace(rebalancing=rebalancing, in_recovery=in_recovery)


def test_caught_up_worker_is_not_stalled() -> None:
    lag = {"posts[0]": {"read": 9, "committed": 10, "highwater": 10}}
    assert stall_reason(_app(), lag) == ""
    assert stall_reason(_app(), {}) == "", "a worker without partitions is idle, not stalled"


def test_waiting_events_are_counted() -> None:
    lag = {"posts[0]": {"read": 9, "committed": 10, "highwater": 25},
           "comments[1]": {"read": None, "committed": None, "highwater": 5}}
    assert stall_reason(_app(), lag) == "20 events wait in owned partitions"


def test_rebalance_that_does_not_end_is_reported() -> None:
    lag = {"posts[0]": {"read": 9, "committed": 10, "highwater": 10}}
    assert "rebalance" in stall_reason(_app(rebalancing=True), lag)
    assert "rebalance" in stall_reason(_app(in_recovery=True), lag)


def test_partitions_never_fetched_are_named() -> None:
    lag = {"posts[2]": {"read": None, "committed": 4, "highwater": None},
           "posts[0]": {"read": 9, "committed": 10, "highwater": 10}}
    assert stall_reason(_app(), lag) == "no fetch answered for owned partitions posts[2]"
