"""Read side of the monitoring views (blocking ClickHouse queries used by the API and the benchmark)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime
from typing import Any

from pipeline.monitor.audience import SEGMENTS
from pipeline.monitor.audience_snapshot import author_now
from pipeline.storage import ClickHouse

log = logging.getLogger(__name__)

OVERRIDE_SEGMENTS = frozenset(SEGMENTS)


def author(ch: ClickHouse, platform: str, author_id: str) -> dict[str, Any] | None:
    """One author's audience-quality row (the columns of ``author_quality``), computed now."""
    return author_now(ch, platform, author_id)


def composition(ch: ClickHouse, brand: str | None, since: date) -> list[dict[str, Any]]:
    """Audience composition per day and segment (optionally one brand)."""
    cond = "day >= %(since)s" + (" AND brand = %(brand)s" if brand else "")
    return ch.query(
        f"SELECT day, brand, segment, authors FROM audience_composition_daily WHERE {cond} "
        "ORDER BY day, brand, segment",
        {"since": since, "brand": brand or ""},
    )


def overrides(ch: ClickHouse) -> list[dict[str, Any]]:
    """Active manual overrides."""
    return ch.query(
        "SELECT platform, author_id, segment, note, updated_by, updated_at FROM audience_overrides FINAL "
        "WHERE segment != '' ORDER BY platform, author_id"
    )


def set_override(ch: ClickHouse, platform: str, author_id: str, segment: str, note: str, who: str) -> None:
    """Set (or with segment '' remove) the manual segment of an author."""
    if segment and segment not in OVERRIDE_SEGMENTS:
        raise ValueError(f"unknown segment {segment!r}; use one of {', '.join(SEGMENTS)}")
    ch.insert(
        "audience_overrides",
        ["platform", "author_id", "segment", "note", "updated_by", "updated_at", "version"],
        [(platform, author_id, segment, note, who, datetime.now(UTC).replace(microsecond=0), time.time_ns() // 1000)],
    )


def cascades(ch: ClickHouse, *, brand: str | None, suspected: bool | None, limit: int) -> list[dict[str, Any]]:
    """Largest cascades, optionally for one brand or only suspected amplification."""
    cond = ["1"]
    if brand:
        cond.append("has(brands, %(brand)s)")
    if suspected is not None:
        cond.append(f"suspected_amplification = {int(suspected)}")
    return ch.query(
        f"SELECT * FROM cascades FINAL WHERE {' AND '.join(cond)} ORDER BY reposts DESC, root_id LIMIT %(limit)s",
        {"brand": brand or "", "limit": limit},
    )


def cascade(ch: ClickHouse, root_id: str) -> dict[str, Any] | None:
    """One cascade's metrics row."""
    rows = ch.query("SELECT * FROM cascades FINAL WHERE root_id = %(r)s", {"r": root_id})
    return rows[0] if rows else None


def buyer_topics(ch: ClickHouse, brand: str, since: date, per_sentiment: int = 10) -> list[dict[str, Any]]:
    """What buyers of a brand praise (positive) or complain about (negative): top keywords by sentiment."""
    return ch.query(
        "SELECT sentiment, keyword, sum(mentions) AS mentions FROM buyer_topics_daily "
        "WHERE brand = %(brand)s AND day >= %(since)s GROUP BY sentiment, keyword "
        "ORDER BY sentiment, mentions DESC, keyword LIMIT %(n)s BY sentiment",
        {"brand": brand, "since": since, "n": per_sentiment},
    )


def competitor_terms(ch: ClickHouse, competitor: str, since: date, limit: int = 20) -> list[dict[str, Any]]:
    """Terms that co-occur with mentions of a competitor."""
    return ch.query(
        "SELECT term, sum(mentions) AS mentions FROM competitor_terms_daily "
        "WHERE competitor = %(c)s AND day >= %(since)s GROUP BY term ORDER BY mentions DESC, term LIMIT %(n)s",
        {"c": competitor, "since": since, "n": limit},
    )
