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


class _Ports:
    """The parts of WorkerPorts the watchdog uses; keeps the timer's job to run it by hand."""

    def __init__(self) -> None:
        self.app = _app()
        self.topics = SimpleNamespace(inputs=("posts",), consumed=("posts",))
        self.jobs: list[object] = []

    def on_start(self, job: object) -> None:
        self.jobs.append(job)

    def every(self, seconds: float, job: object, name: str) -> None:
        self.watchdog = job


def _watchdog(idle: float, exit_seconds: float, monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """Run the watchdog once for a worker idle ``idle`` seconds with events waiting; return its exits."""
    import asyncio

    from pipeline.worker import diagnostics

    exits: list[int] = []
    monkeypatch.setattr(diagnostics, "input_lag", lambda app, inputs: {
        "posts[0]": {"read": 1, "committed": 2, "highwater": 50}})
    monkeypatch.setattr(diagnostics, "snapshot", lambda ports, stages: {})
    ports = _Ports()
    stages = SimpleNamespace(stats=SimpleNamespace(idle_seconds=lambda: idle))
    diagnostics.install(ports, stages, stall_seconds=120, check_seconds=10,  # type: ignore[arg-type]
                        exit_seconds=exit_seconds, exit_worker=lambda: exits.append(1))
    asyncio.run(ports.watchdog())  # type: ignore[operator]
    return exits


def test_a_worker_stalled_past_the_exit_time_exits(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert _watchdog(600, 600, monkeypatch) == [1]
    assert _watchdog(300, 600, monkeypatch) == [], "stalled, logged, but not yet long enough to exit"
    assert _watchdog(10_000, 0, monkeypatch) == [], "0: never exit"
