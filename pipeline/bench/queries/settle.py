"""Wait for ClickHouse's background merges after a fill, so that queries meet the tables of a server at rest.

The fill writes months of mentions in minutes. A server that received them over months has merged its
parts long ago (merges also collapse older versions of ``ReplacingMergeTree`` rows), so the queries are
timed only once ClickHouse has no merge left to run: :func:`settle` waits, up to a bound, until no merge
runs and the number of active parts has not changed for a quiet period. It never forces a merge (no
``OPTIMIZE``): what is merged is what ClickHouse's own merge policy chose. (At 10,000,000 rows on 18.16
the fill left 225 active parts and nothing to merge: the figures reported are those of a settled server.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from pipeline.storage import ClickHouse

MAX_SECONDS = 1800.0
"""Default of ``sociallisten bench --queries --settle-seconds``: the longest wait for the merges after a fill."""
QUIET_SECONDS = 30.0
"""How long no merge may run and the active parts stay the same before the tables count as settled."""
POLL_SECONDS = 2.0


class Settled(BaseModel):
    """What waiting for the merges did."""

    settle_seconds: float
    settled: bool
    """False when ``max_seconds`` ran out first (the queries are timed anyway)."""
    parts_before_settle: int
    parts_after_settle: int


def _state(ch: ClickHouse) -> tuple[int, int]:
    merges = ch.query("SELECT count() AS n FROM system.merges WHERE database = currentDatabase()")[0]["n"]
    parts = ch.query("SELECT count() AS n FROM system.parts WHERE active AND database = currentDatabase()")[0]["n"]
    return int(merges), int(parts)


def settle(ch: ClickHouse, max_seconds: float, *, quiet_seconds: float = QUIET_SECONDS,
           poll_seconds: float = POLL_SECONDS, tick: Callable[[int], None] | None = None) -> Settled:
    """Wait until no merge runs and the active parts stay put for ``quiet_seconds`` (at most ``max_seconds``).

    ``tick`` is called with the number of active parts at each poll (progress display).
    """
    start = time.monotonic()
    _, before = _state(ch)
    parts, quiet_since, settled = before, None, False
    while True:
        merges, now_parts = _state(ch)
        if tick is not None:
            tick(now_parts)
        now = time.monotonic()
        if merges or now_parts != parts:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        parts = now_parts
        if quiet_since is not None and now - quiet_since >= quiet_seconds:
            settled = True
            break
        if now - start >= max_seconds:
            break
        time.sleep(poll_seconds)
    return Settled(settle_seconds=round(time.monotonic() - start, 1), settled=settled,
                   parts_before_settle=before, parts_after_settle=parts)
