"""The in-process hub at its bound: a full subscriber loses the newest items, never blocks the publisher."""

from __future__ import annotations

import asyncio

from pipeline.hub import Hub


def test_a_full_subscriber_loses_only_what_did_not_fit() -> None:
    async def run() -> None:
        hub = Hub(maxsize=3)
        slow, fast = hub.subscribe(), hub.subscribe()
        for i in range(3):
            hub.publish(i)
        assert [fast.get_nowait() for _ in range(3)] == [0, 1, 2]
        hub.publish(3)  # slow is full: 3 is dropped for it only
        hub.publish(4)
        assert hub.dropped == 2
        assert [slow.get_nowait() for _ in range(3)] == [0, 1, 2] and slow.empty()
        assert [fast.get_nowait() for _ in range(2)] == [3, 4]
        hub.publish(5)  # room again
        assert slow.get_nowait() == 5 and fast.get_nowait() == 5
        hub.unsubscribe(slow)
        assert hub.subscribers == 1

    asyncio.run(run())
