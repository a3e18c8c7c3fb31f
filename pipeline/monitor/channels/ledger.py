"""Which alert went to which channel: the ``alert_deliveries`` table (migration 008), or memory in tests.

A pair (alert, channel) is written as ``sending`` before the message leaves and as ``sent``,
``failed`` or ``unknown`` after. A pair with any row is done: a restarted or new leader does not
send it again, even when the process died between sending and writing the outcome.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Protocol

from pipeline.storage import ClickHouse

COLUMNS = ("alert_id", "channel", "state", "attempts", "detail", "at", "version")


class Ledger(Protocol):
    """Delivery states by (alert id, channel)."""

    def states(self, alert_ids: Iterable[str]) -> dict[tuple[str, str], str]:
        """The latest state of every recorded pair of these alerts."""
        ...

    def mark(self, alert_id: str, channel: str, state: str, attempts: int = 0, detail: str = "") -> None:
        """Record ``state`` for the pair (the latest write wins)."""
        ...


class MemoryLedger:
    """A ledger that lives as long as the process (tests, or alerting without storage)."""

    def __init__(self) -> None:
        """An empty ledger."""
        self.rows: dict[tuple[str, str], str] = {}

    def states(self, alert_ids: Iterable[str]) -> dict[tuple[str, str], str]:
        """The pairs of these alerts."""
        wanted = set(alert_ids)
        return {k: v for k, v in self.rows.items() if k[0] in wanted}

    def mark(self, alert_id: str, channel: str, state: str, attempts: int = 0, detail: str = "") -> None:
        """Record the pair's state."""
        self.rows[(alert_id, channel)] = state


class ClickHouseLedger:
    """The ``alert_deliveries`` table (blocking calls: run them on the storage thread)."""

    def __init__(self, ch: ClickHouse) -> None:
        """Use the migrated database ``ch``."""
        self.ch = ch

    def states(self, alert_ids: Iterable[str]) -> dict[tuple[str, str], str]:
        """The latest state of every recorded pair of these alerts."""
        ids = tuple(sorted(set(alert_ids)))
        if not ids:
            return {}
        rows = self.ch.query(
            "SELECT alert_id, channel, argMax(state, version) AS state FROM alert_deliveries "
            "WHERE alert_id IN %(ids)s GROUP BY alert_id, channel",
            {"ids": ids},
        )
        return {(r["alert_id"], r["channel"]): r["state"] for r in rows}

    def mark(self, alert_id: str, channel: str, state: str, attempts: int = 0, detail: str = "") -> None:
        """Insert the pair's new state (a higher version than any before)."""
        now = time.time()
        self.ch.insert("alert_deliveries", COLUMNS, [
            (alert_id, channel, state, attempts, detail[:500], datetime.fromtimestamp(int(now), UTC),
             time.time_ns() // 1000),
        ])
