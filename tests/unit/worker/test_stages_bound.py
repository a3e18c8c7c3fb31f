"""The worker's stages hold at most ``pipeline_depth + 1`` batches: the drain waits instead of taking more."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from pipeline.config import WorkerSettings
from pipeline.metrics import Metrics
from pipeline.records import BatchResult
from pipeline.retry import RetryPolicy
from pipeline.worker.stages import Stages


class _Consumer:
    def __init__(self) -> None:
        self.held: list[int] = []
        self.released: list[int] = []

    def hold(self, messages: list[Any]) -> None:
        self.held += [m.offset for m in messages]

    def release(self, messages: list[Any]) -> None:
        self.released += [m.offset for m in messages]


class _Pool:
    async def analyze(self, texts: list[str], titles: list[str]) -> list[Any]:
        return []


class _Writer:
    def __init__(self) -> None:
        self.written = 0

    async def write(self, result: BatchResult) -> None:
        self.written += 1


class _Listener:
    """Hears of no batch until the test opens the gate (a slow listener: batches are written but not released)."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()

    async def __call__(self, result: BatchResult) -> None:
        await self.gate.wait()


def _messages(batch: int) -> list[Any]:  # empty values: each becomes a dead letter, nothing to analyse
    return [SimpleNamespace(topic="t.posts", partition=0, offset=batch * 10 + i, value=b"", timestamp=None)
            for i in range(3)]


def test_the_drain_waits_once_depth_plus_one_batches_are_held() -> None:
    async def scenario() -> tuple[list[int], list[int], int, list[int]]:
        consumer, writer, listener = _Consumer(), _Writer(), _Listener()
        stages = Stages(SimpleNamespace(consumer=consumer), _Pool(), writer,  # type: ignore[arg-type]
                        WorkerSettings(pipeline_depth=2), RetryPolicy(max_seconds=1), Metrics())
        stages.add_listener(listener)
        runner = asyncio.ensure_future(stages.run())
        taken: list[int] = []

        async def drain() -> None:  # the drain hands batches over one after the other, as it gathers them
            for batch in range(6):
                await stages.take(_messages(batch))
                taken.append(batch)

        drainer = asyncio.ensure_future(drain())
        await asyncio.sleep(0.05)
        while_blocked = (list(taken), sorted(set(consumer.held)))
        listener.gate.set()
        await asyncio.wait_for(drainer, 5)
        while len(consumer.released) < 18:
            await asyncio.sleep(0.01)
        runner.cancel()
        return while_blocked[0], while_blocked[1], writer.written, consumer.released

    taken, held, written, released = asyncio.run(scenario())
    assert taken == [0, 1, 2]  # depth 2 + 1: the fourth batch waits while the first one's listener runs
    assert held == [b * 10 + i for b in range(3) for i in range(3)]
    assert written == 6
    assert released == [b * 10 + i for b in range(6) for i in range(3)]  # every batch, in order
