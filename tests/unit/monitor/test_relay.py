"""The alert relay at its bound: each alert is published once, also after the oldest ids are forgotten."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from pipeline.monitor.relay import RELAYED_MAX, AlertRelay

T0 = datetime(2024, 6, 3, 10, 0, tzinfo=UTC)


class Alert(NamedTuple):
    """What the relay reads of an alert (building 10,000 real ones takes seconds)."""

    alert_id: str
    fired_at: datetime


def _alert(i: int) -> Alert:
    return Alert(f"a{i:06d}", T0 + timedelta(milliseconds=i))


class Published:
    """A hub that keeps what is published."""

    def __init__(self) -> None:
        self.items: list[Alert] = []

    def publish(self, item: Alert) -> None:
        self.items.append(item)


def _relay(window: list[Alert]) -> tuple[AlertRelay, Published]:
    """A relay whose every poll finds ``window`` (the alerts of the last 10 minutes)."""

    async def run_blocking(fn: Any, *args: Any, **kwargs: Any) -> list[Alert]:
        return list(window)

    hub = Published()
    return AlertRelay(None, run_blocking, hub), hub  # type: ignore[arg-type]


def test_past_the_bound_the_alerts_still_in_the_poll_window_are_not_published_again() -> None:
    window: list[Alert] = []
    relay, hub = _relay(window)
    fired = [_alert(i) for i in range(RELAYED_MAX)]
    relay.relay(fired)  # fired on this worker: published at once
    assert len(relay.relayed) == RELAYED_MAX
    window[:] = [*fired[-199:], _alert(RELAYED_MAX)]  # the poll finds the newest ones and one more
    asyncio.run(relay.poll())
    assert [a.alert_id for a in hub.items[RELAYED_MAX:]] == [f"a{RELAYED_MAX:06d}"]
    assert len(relay.relayed) == RELAYED_MAX and "a000000" not in relay.relayed  # the oldest forgotten
    asyncio.run(relay.poll())  # the same window again: nothing new (starting over published 200 again)
    assert len(hub.items) == RELAYED_MAX + 1
    assert len({a.alert_id for a in hub.items}) == len(hub.items)
