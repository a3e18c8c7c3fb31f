"""The audience snapshot: per-author quality, the daily composition and platform roles, computed every few minutes.

Reading them live meant aggregating every author's whole history on every read (4-5 s at 2,000,000
mentions on ClickHouse 18.16, and growing). The leader worker runs :func:`refresh` every
``SOCIALLISTEN_AUDIENCE_REFRESH_SECONDS``; ``sociallisten refresh-audience`` runs one by hand. The views
``author_stats``, ``author_quality``, ``audience_composition_daily`` (migration 017), ``platform_roles`` and
``group_roles`` (019, :mod:`pipeline.monitor.roles_snapshot`) read the latest complete refresh, so BI sees
a whole snapshot or the previous one, never half of one.

One author's row through the API (:func:`author_now`) is computed live, through the primary key of
``audience_events``: it is exact at once, also for an author seen after the latest refresh.

The rules are those of migration 005 (``pipeline/monitor/audience.py`` is their Python twin). A text
counts as copied when at least :data:`COPIED_MIN_AUTHORS` accounts posted it, in any version of their
events.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel

from pipeline.monitor.roles_snapshot import SNAPSHOTS as ROLE_SNAPSHOTS
from pipeline.storage import ClickHouse
from pipeline.storage.sql import latest_rows

log = logging.getLogger(__name__)

SLOTS = 3
"""Refreshes kept: the latest complete one, the one before it (for a read under way) and one being written."""
COPIED_MIN_AUTHORS = 5
TICK_SECONDS = 30.0
"""How often the leader checks whether a refresh is due (a new leader finds out within this time)."""
SPILL = "SETTINGS max_bytes_before_external_group_by = 1000000000"
"""Per-author aggregation past 1 GB goes on in temporary files: at 10,000,000 mentions (2.3 million
authors) it needs more than the 4 GB a query may use by the default profile of ``pipeline.local``."""
REFRESH_TIMEOUT_SECONDS = 1800.0
"""How long a refresh's statements may run on a server (they send nothing back until they are done)."""

_STATS = """
SELECT platform, author_id,
       argMax(author_name, created_at) AS author_name, argMax(verified_type, created_at) AS verified_type,
       argMax(followers, created_at) AS followers, argMax(posts, created_at) AS posts,
       max(account_created) AS account_created, min(created_at) AS first_seen, max(created_at) AS last_seen,
       count() AS events, countIf(text_hash != 0) AS compared_texts,
       uniqExactIf(text_hash, text_hash != 0) AS distinct_texts,
       max(buyer) AS buyer, max(purchase_intent) AS purchase_intent
FROM {source}
GROUP BY platform, author_id
"""

_COPIED = """
SELECT platform, author_id, count() AS copied_texts
FROM
(
    SELECT DISTINCT platform, author_id, text_hash FROM {source} WHERE text_hash != 0
) AS t
ALL INNER JOIN
(
    SELECT text_hash FROM audience_events WHERE text_hash != 0 {shared}
    GROUP BY text_hash HAVING uniqExact(author_id) >= {copied_min}
) AS s USING (text_hash)
GROUP BY platform, author_id
"""

_QUALITY = """
SELECT *, if(suspect, ['suspected_low_quality'], if(empty(computed), ['ordinary'], computed)) AS computed_segments
FROM
(
    SELECT *,
           toUInt8((followers < 50 AND posts >= 2000)
            OR (toUInt32(account_created) > 0
                AND toInt64(toUInt32(first_seen)) - toInt64(toUInt32(account_created)) < 30 * 86400
                AND followers < 100)
            OR (compared_texts >= 3 AND distinct_texts * 2 <= compared_texts)
            OR (copied_texts >= 1 AND followers < 500)) AS suspect,
           toUInt8(followers >= 10000 OR (verified_type != 'none' AND followers >= 1000)
            OR verified_type IN ('kol', 'media')) AS high_value,
           arrayFilter(x -> x != '', [if(buyer = 1, 'real_customer', ''),
                                     if(purchase_intent = 1 AND buyer = 0, 'potential_customer', ''),
                                     if(high_value, 'high_value', '')]) AS computed
    FROM ({stats}) AS a
    ANY LEFT JOIN ({copied}) AS c USING (platform, author_id)
)
"""

COLUMNS = ("platform", "author_id", "author_name", "verified_type", "followers", "posts", "account_created",
           "first_seen", "last_seen", "events", "compared_texts", "distinct_texts", "copied_texts", "buyer",
           "purchase_intent", "suspect", "high_value", "computed_segments")
"""The snapshot's columns after ``slot`` and ``refresh``, in the table's order."""

_COMPOSITION = """
INSERT INTO audience_composition_snapshot
SELECT {slot} AS slot, {refresh} AS refresh, day, brand, arrayJoin(segments) AS segment,
       uniqExact(author_key) AS authors
FROM
(
    SELECT day, brand, concat(platform, ':', author_id) AS author_key, segments
    FROM
    (
        SELECT DISTINCT toDate(created_at) AS day, arrayJoin(brands) AS brand, platform, author_id
        FROM audience_events FINAL
    ) AS e
    ALL INNER JOIN
    (
        SELECT platform, author_id, if(override_segment != '', [override_segment], computed_segments) AS segments
        FROM
        (
            SELECT platform, author_id, computed_segments FROM author_quality_snapshot
            WHERE slot = {slot} AND refresh = {refresh}
        ) AS q
        ANY LEFT JOIN
        (
            SELECT platform, author_id, segment AS override_segment FROM audience_overrides FINAL
        ) AS o USING (platform, author_id)
    ) AS s USING (platform, author_id)
)
GROUP BY day, brand, segment
"""


class AudienceRefresh(BaseModel):
    """One complete refresh of the audience snapshot."""

    refresh: int
    slot: int
    authors: int
    seconds: float


def quality_sql(where: str = "", shared: str = "") -> str:
    """The per-author quality rows (005's rules); ``where`` narrows the authors, ``shared`` the texts compared.

    Every author's rows are read with ``FINAL``; an author's own (``where`` on key columns) by ``PREWHERE``,
    the latest version of each by ``LIMIT 1 BY`` (``FINAL`` reads each granule's 8,192 rows whole: 0.06-0.10 s
    for the busiest author at 10,000,000 mentions on 18.16, against 0.003 s for the rows themselves).
    """
    source = "audience_events FINAL"
    if where:
        source = latest_rows("audience_events", where, "platform, author_id, event_id")
    copied = _COPIED.format(source=source, shared=f"AND {shared}" if shared else "", copied_min=COPIED_MIN_AUTHORS)
    return _QUALITY.format(stats=_STATS.format(source=source), copied=copied)


def latest(ch: ClickHouse) -> AudienceRefresh | None:
    """The latest complete refresh, or None before the first."""
    rows = ch.query("SELECT refresh, slot, authors, seconds FROM audience_refreshes ORDER BY refresh DESC LIMIT 1")
    return AudienceRefresh(**rows[0]) if rows else None


def refresh(ch: ClickHouse) -> AudienceRefresh:
    """Compute the snapshot into the slot after the latest refresh's, then record it as complete."""
    before = latest(ch)
    started = time.time()
    # above every number written, also by a refresh that failed half-way (its rows are still there)
    written = int(ch.query("SELECT max(refresh) AS r FROM author_quality_snapshot")[0]["r"])
    number = max(int(started), written + 1, before.refresh + 1 if before else 0)
    slot = (before.slot + 1) % SLOTS if before else 0
    columns = ", ".join(COLUMNS)
    ch.execute(f"INSERT INTO author_quality_snapshot SELECT {slot} AS slot, {number} AS refresh, {columns} "
               f"FROM ({quality_sql()}) {SPILL}")
    ch.execute(_COMPOSITION.format(slot=slot, refresh=number))
    for table, (names, select) in ROLE_SNAPSHOTS.items():
        ch.execute(f"INSERT INTO {table} SELECT {slot} AS slot, {number} AS refresh, {', '.join(names)} "
                   f"FROM ({select})")
    authors = int(ch.query(f"SELECT count() AS n FROM author_quality_snapshot "
                           f"WHERE slot = {slot} AND refresh = {number}")[0]["n"])
    done = AudienceRefresh(refresh=number, slot=slot, authors=authors, seconds=round(time.time() - started, 3))
    ch.insert("audience_refreshes", ("refresh", "slot", "finished_at", "authors", "seconds"),
              [(number, slot, int(time.time()), authors, done.seconds)])
    log.info("audience snapshot %d refreshed: %d authors in %.1f s (slot %d)", number, authors, done.seconds, slot)
    return done


def due(ch: ClickHouse, every_seconds: float) -> bool:
    """Whether the latest complete refresh started ``every_seconds`` ago or more (or there is none)."""
    last = latest(ch)
    return last is None or time.time() - last.refresh >= every_seconds


def author_now(ch: ClickHouse, platform: str, author_id: str) -> dict[str, Any] | None:
    """One author's row of ``author_quality``, computed now (the primary key bounds what is read)."""
    params = {"p": platform, "a": author_id}
    mine = "platform = %(p)s AND author_id = %(a)s"
    shared = f"text_hash IN (SELECT text_hash FROM audience_events WHERE {mine} AND text_hash != 0)"
    rows = ch.query(quality_sql(mine, shared), params)
    if not rows:
        return None
    override = ch.query("SELECT segment FROM audience_overrides FINAL WHERE platform = %(p)s AND author_id = %(a)s",
                        params)
    row = {name: rows[0][name] for name in COLUMNS if name != "computed_segments"}
    row["override_segment"] = str(override[0]["segment"]) if override else ""
    row["segments"] = [row["override_segment"]] if row["override_segment"] else list(rows[0]["computed_segments"])
    row["segment"] = row["segments"][0]
    return row


class AudienceRefresher:
    """Refreshes the snapshot when due, on a thread and (on a server) a connection of its own.

    The worker's inserts go on meanwhile; with chDB both share the process's one session, so an insert
    waits for a refresh statement to end.
    """

    def __init__(self, ch: ClickHouse, every_seconds: float) -> None:
        """Refresh ``ch``'s snapshot once the latest is ``every_seconds`` old."""
        self.ch = ch
        self.every_seconds = every_seconds
        self._own: ClickHouse | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audience")

    def connection(self) -> ClickHouse:
        """The refresh's own connection to a server (opened on first use); chDB's one session otherwise."""
        if self._own is None:
            native = self.ch.backend == "native"
            self._own = self.ch.another(send_receive_timeout=REFRESH_TIMEOUT_SECONDS) if native else self.ch
        return self._own

    def run_if_due(self) -> AudienceRefresh | None:
        """One refresh when it is due (blocking)."""
        own = self.connection()
        return refresh(own) if due(own, self.every_seconds) else None

    async def tick(self) -> None:
        """The leader's timer: refresh when due; a failure is logged and tried again at the next tick."""
        try:
            await asyncio.get_running_loop().run_in_executor(self._thread, self.run_if_due)
        except Exception:
            log.exception("audience snapshot refresh failed; trying again in %.0f s", TICK_SECONDS)

    def close(self) -> None:
        """Wait for a refresh under way, then close the connection."""
        self._thread.shutdown(wait=True)
        if self._own is not None and self._own is not self.ch:
            self._own.close()
        self._own = None
