"""KOL ranking: the authors who talk about a brand, ranked by reach, engagement, audience quality and affinity.

The figures come from ``mentions`` (FINAL: exact under replay) for the period; the ranking is pure
(:func:`rank`). Components, each scaled to 0..1 over the ranked authors (docs/monitoring.md#kol-ranking):

- ``reach``: ln(1 + followers), over the largest;
- ``engagement``: ln(1 + reposts + comments + likes + reads / 10) of their brand posts, over the largest;
- ``quality``: the share of the people who reposted or commented on their brand posts that are not
  suspected low-quality accounts (the profile rule of the audience model), halved when the author
  is one; 0.5 (unknown) when nobody responded; times activity: days with a brand post over the
  period's days, at least 0.5;
- ``affinity``: 0.7 × share of their posts that name the brand + 0.3 × their sentiment towards it
  (−1..1 mapped to 0..1).

``score`` = 0.3 reach + 0.3 engagement + 0.2 quality + 0.2 affinity.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from pipeline.monitor.audience import SUSPECT_SQL as SUSPECT
from pipeline.storage import ClickHouse

SortKey = Literal["score", "reach", "engagement", "quality", "affinity"]
WEIGHTS = {"reach": 0.3, "engagement": 0.3, "quality": 0.2, "affinity": 0.2}


def _where(platform: str | None) -> str:
    cond = "created_at >= %(lo)s AND created_at < %(hi)s"
    return cond + (" AND platform = %(platform)s" if platform else "")


def authors(ch: ClickHouse, brand: str, since: datetime, until: datetime,
            platform: str | None = None) -> list[dict[str, Any]]:
    """Per author who named ``brand`` in [since, until): the raw figures of the ranking."""
    p = {"brand": brand, "lo": since, "hi": until, "platform": platform or ""}
    rows = ch.query(
        "SELECT platform, author_id, argMax(author_name, created_at) AS author_name, "
        "max(author_followers) AS followers, argMax(author_verified_type, created_at) AS verified_type, "
        f"max({SUSPECT}) AS suspect, count() AS posts, countIf(has(brands, %(brand)s)) AS brand_posts, "
        "uniqExactIf(toDate(created_at), has(brands, %(brand)s)) AS active_days, "
        "sumIf(reposts + comments + likes, has(brands, %(brand)s)) AS engagement, "
        "sumIf(ifNull(reads, 0), has(brands, %(brand)s)) AS reads, "
        "avgIf(if(sentiment = 'positive', 1, if(sentiment = 'negative', -1, 0)), has(brands, %(brand)s)) "
        "AS brand_sentiment "
        f"FROM mentions FINAL WHERE {_where(platform)} GROUP BY platform, author_id HAVING brand_posts > 0", p)
    audience = {(r["platform"], r["author_id"]): r for r in ch.query(
        "SELECT platform, author_id, uniqExact(fan) AS engaged, uniqExactIf(fan, fan_suspect = 1) AS engaged_suspect, "
        "uniqExactIf(fan, fan_buyer = 1) AS engaged_buyers FROM "
        f"(SELECT event_id AS root, platform, author_id FROM mentions FINAL WHERE {_where(platform)} "
        "AND has(brands, %(brand)s) AND kind IN ('post', 'article')) AS p ALL INNER JOIN "
        f"(SELECT root_id AS root, author_id AS fan, {SUSPECT} AS fan_suspect, buyer AS fan_buyer FROM mentions FINAL "
        "WHERE kind IN ('repost', 'comment') AND root_id != '' AND created_at >= %(lo)s) AS r "
        "USING (root) GROUP BY platform, author_id", p)}  # a response never precedes its post: from lo on
    for row in rows:
        extra = audience.get((row["platform"], row["author_id"]), {})
        for key in ("engaged", "engaged_suspect", "engaged_buyers"):
            row[key] = int(extra.get(key, 0))
    return rows


def rank(rows: list[dict[str, Any]], days: float, sort: SortKey = "score", limit: int = 50) -> list[dict[str, Any]]:
    """Score ``rows`` (from :func:`authors`) over a period of ``days`` days; best first (ties by author id)."""
    if not rows:
        return []
    reach = [math.log1p(r["followers"]) for r in rows]
    engagement = [math.log1p(r["engagement"] + r["reads"] / 10) for r in rows]
    top_reach, top_engagement = max(reach) or 1.0, max(engagement) or 1.0
    out = []
    for r, re, en in zip(rows, reach, engagement, strict=True):
        quality = 1 - r["engaged_suspect"] / r["engaged"] if r["engaged"] else 0.5
        if r["suspect"]:
            quality /= 2
        activity = max(0.5, min(1.0, r["active_days"] / max(days, 1.0)))
        affinity = 0.7 * r["brand_posts"] / r["posts"] + 0.3 * (float(r["brand_sentiment"]) + 1) / 2
        parts = {"reach": re / top_reach, "engagement": en / top_engagement, "quality": quality * activity,
                 "affinity": affinity}
        score = sum(WEIGHTS[k] * v for k, v in parts.items())
        out.append({**r, "suspect": bool(r["suspect"]), "brand_sentiment": round(float(r["brand_sentiment"]), 3),
                    **{k: round(v, 4) for k, v in parts.items()}, "score": round(score, 4)})
    out.sort(key=lambda r: (-r[sort], r["author_id"]))
    return out[:limit]
