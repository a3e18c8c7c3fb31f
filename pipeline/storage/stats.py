"""Totals for ``sociallisten stats`` and the demo summary, exact under duplicate rows."""

from __future__ import annotations

from typing import Any

from pipeline.storage.backend import ClickHouse


def _pairs(ch: ClickHouse, sql: str) -> dict[str, int]:
    return {str(r["k"]): int(r["n"]) for r in ch.query(sql)}


def stats(ch: ClickHouse) -> dict[str, Any]:
    """Unique mentions, buyers, service requests, competitor mentions, dead letters and breakdowns."""
    row = ch.query(
        "SELECT count() AS mentions, sum(buyer) AS buyers, sum(service_request) AS service_requests, "
        "sum(purchase_intent) AS purchase_intent, countIf(notEmpty(competitors)) AS competitor_mentions, "
        "countIf(notEmpty(brands)) AS brand_mentions "
        "FROM mentions FINAL"
    )[0]
    dead = ch.query("SELECT uniqExact(dl_id) AS n FROM dead_letters")[0]["n"]
    totals: dict[str, Any] = {k: int(v or 0) for k, v in row.items()}
    totals["dead_lettered"] = int(dead)
    totals["by_platform"] = _pairs(ch, "SELECT platform AS k, count() AS n FROM mentions FINAL GROUP BY k")
    totals["competitors_by_brand"] = _pairs(
        ch, "SELECT c AS k, count() AS n FROM mentions FINAL ARRAY JOIN competitors AS c GROUP BY k"
    )
    totals["brands"] = _pairs(ch, "SELECT b AS k, count() AS n FROM mentions FINAL ARRAY JOIN brands AS b GROUP BY k")
    totals["service_categories"] = _pairs(
        ch, "SELECT service_category AS k, count() AS n FROM mentions FINAL WHERE service_request = 1 GROUP BY k"
    )
    totals["sentiment"] = _pairs(ch, "SELECT sentiment AS k, count() AS n FROM mentions FINAL GROUP BY k")
    totals["dead_letters_by_reason"] = _pairs(
        ch, "SELECT reason AS k, uniqExact(dl_id) AS n FROM dead_letters GROUP BY k"
    )
    return totals
