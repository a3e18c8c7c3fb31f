"""Totals for ``sociallisten stats``, the demo summary and the tests, exact under duplicate rows.

Every count reads the deduplicated data: ``mentions FINAL`` and ``dead_letters FINAL`` (the
latest version of each event or dead letter), so replays and re-deliveries never inflate them,
even before ClickHouse has merged the duplicates away.
"""

from __future__ import annotations

from typing import Any

from pipeline.storage.backend import ClickHouse

_TOTALS = (
    "SELECT count() AS mentions, sum(buyer) AS buyers, sum(service_request) AS service_requests, "
    "sum(purchase_intent) AS purchase_intent, countIf(notEmpty(competitors)) AS competitor_mentions, "
    "countIf(notEmpty(brands)) AS brand_mentions "
    "FROM mentions FINAL"
)

_BREAKDOWNS = {
    "by_platform": "SELECT platform AS k, count() AS n FROM mentions FINAL GROUP BY k",
    # arrayDistinct: an event naming a brand twice still counts once for it.
    "brands": "SELECT b AS k, count() AS n FROM mentions FINAL ARRAY JOIN arrayDistinct(brands) AS b GROUP BY k",
    "competitors_by_brand": (
        "SELECT c AS k, count() AS n FROM mentions FINAL ARRAY JOIN arrayDistinct(competitors) AS c GROUP BY k"
    ),
    "service_categories": (
        "SELECT service_category AS k, count() AS n FROM mentions FINAL WHERE service_request = 1 GROUP BY k"
    ),
    "sentiment": "SELECT sentiment AS k, count() AS n FROM mentions FINAL GROUP BY k",
    "dead_letters_by_reason": "SELECT reason AS k, count() AS n FROM dead_letters FINAL GROUP BY k",
}


def _pairs(ch: ClickHouse, sql: str) -> dict[str, int]:
    return {str(r["k"]): int(r["n"]) for r in ch.query(sql)}


def stats(ch: ClickHouse) -> dict[str, Any]:
    """Unique counts and breakdowns.

    Keys: ``mentions`` (unique events), ``buyers``, ``service_requests``, ``purchase_intent``,
    ``competitor_mentions`` (events naming at least one competitor), ``brand_mentions`` (events
    naming at least one lexicon brand), ``dead_lettered`` (unique dead letters), and the dicts
    ``by_platform``, ``brands``, ``competitors_by_brand``, ``service_categories``, ``sentiment``,
    ``dead_letters_by_reason`` (each ``{key: unique events}``).
    """
    row = ch.query(_TOTALS)[0]
    totals: dict[str, Any] = {k: int(v or 0) for k, v in row.items()}
    totals["dead_lettered"] = int(ch.query("SELECT count() AS n FROM dead_letters FINAL")[0]["n"])
    for key, sql in _BREAKDOWNS.items():
        totals[key] = _pairs(ch, sql)
    return totals
