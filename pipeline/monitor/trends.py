"""Emerging topics: terms whose frequency rises against their baseline, and words the dictionary does not know.

Terms (keywords and #hashtags#) come from the ``term_mentions_daily`` view over the term rollup (migration
016; same figures as ``term_daily``), so they are exact under replay and always up to date. For a window of
``window`` days ending on ``until`` (default: the brand's latest day with mentions) and the ``baseline_days``
before it, a term's novelty is the score the spike alerts rank their terms with (pipeline/monitor/alerts.py):
``n * ln((n + 1) / (e + 1))``, where n is its mentions in the window and e its expected mentions (baseline
mentions scaled to the window).

New words (:mod:`pipeline.text.new_words`) are looked for in the own texts of the window's most recent
:data:`NEW_WORD_TEXTS` mentions; a word is new when the segmenter never produced it as a token there.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pipeline.storage import ClickHouse
from pipeline.text.new_words import discover

NEW_WORD_TEXTS = 5000
"""Texts read for new-word discovery (the most recent of the window): bounds the work per request."""


def novelty(count: float, expected: float) -> float:
    """How surprising ``count`` mentions are when ``expected`` were expected (0 when no more than expected)."""
    return count * math.log((count + 1) / (expected + 1))


def latest_day(ch: ClickHouse, brand: str) -> date | None:
    """The last day with mentions of ``brand`` ('' = any mention)."""
    rows = ch.query("SELECT max(day) AS d, count() AS n FROM term_day_sets WHERE brand = %(b)s", {"b": brand})
    return rows[0]["d"] if rows and rows[0]["n"] else None


def rising_terms(ch: ClickHouse, brand: str, until: date, window: int, baseline_days: int,
                 limit: int = 30) -> list[dict[str, Any]]:
    """Terms by novelty in the ``window`` days up to ``until``, against the ``baseline_days`` before."""
    start = until - timedelta(days=window - 1)
    base_start = start - timedelta(days=baseline_days)
    rows = ch.query(
        "SELECT term, sumIf(mentions, day >= %(start)s) AS n, sumIf(mentions, day < %(start)s) AS base "
        "FROM term_mentions_daily "
        "WHERE brand = %(b)s AND term != %(b)s AND day >= %(base_start)s AND day <= %(until)s "
        "GROUP BY term HAVING n > 0",
        {"b": brand, "start": start, "base_start": base_start, "until": until})
    out = []
    for r in rows:
        expected = r["base"] * window / baseline_days
        score = novelty(r["n"], expected)
        if score > 0:
            out.append({"term": r["term"], "mentions": int(r["n"]), "baseline": int(r["base"]),
                        "expected": round(expected, 3), "novelty": round(score, 3),
                        "hashtag": r["term"].startswith("#")})
    out.sort(key=lambda t: (-t["novelty"], t["term"]))
    return out[:limit]


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def new_words(ch: ClickHouse, brand: str, until: date, window: int, limit: int = 20) -> list[dict[str, Any]]:
    """Words the dictionary does not know, discovered in the window's texts (see the module)."""
    start = until - timedelta(days=window - 1)
    # on created_at itself, not toDate(created_at): 18.16 prunes the monthly partitions by the first, not the second
    # (1.8 s for one day at 10,000,000 mentions, against 0.2 s)
    cond = "created_at >= %(lo)s AND created_at < %(hi)s"
    if brand:
        cond += " AND has(brands, %(b)s)"
    # the latest version of each mention by LIMIT BY, not FINAL: FINAL merges whole monthly partitions
    # (3.8 s at 2,000,000 mentions on 18.16), the window's rows are a day or a few
    rows = ch.query(f"SELECT own_text, tokens FROM mentions WHERE {cond} "
                    "ORDER BY created_at DESC, event_id, version DESC LIMIT 1 BY event_id LIMIT %(n)s",
                    {"b": brand, "lo": _midnight(start), "hi": _midnight(until + timedelta(days=1)),
                     "n": NEW_WORD_TEXTS})
    known = {token for r in rows for token in r["tokens"]}
    found = discover((r["own_text"] for r in rows), known, limit=limit)
    return [{"word": w.word, "count": w.count, "cohesion": w.cohesion, "left_entropy": w.left_entropy,
             "right_entropy": w.right_entropy, "score": round(w.score, 3)} for w in found]


def trends(ch: ClickHouse, brand: str = "", window: int = 1, baseline_days: int = 14,
           until: date | None = None) -> dict[str, Any]:
    """Rising terms and new words of ``brand`` ('' = all mentions) in the window ending ``until``."""
    end = until or latest_day(ch, brand)
    if end is None:
        return {"brand": brand, "window_days": window, "until": None, "terms": [], "new_words": []}
    return {"brand": brand, "window_days": window, "baseline_days": baseline_days, "until": end,
            "terms": rising_terms(ch, brand, end, window, baseline_days),
            "new_words": new_words(ch, brand, end, window)}
