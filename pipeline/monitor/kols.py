"""KOL ranking: the authors who talk about a brand, ranked by reach, engagement, audience quality and affinity.

The figures come from ``mentions`` (FINAL: exact under replay) for the period; ClickHouse ranks the authors
and :func:`rank` (pure) scores the first ones exactly. Components, each scaled to 0..1 over the ranked authors
(docs/monitoring.md#kol-ranking):

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


FIGURES = """
SELECT platform, author_id, argMax(author_name, created_at) AS author_name, max(author_followers) AS followers,
       argMax(author_verified_type, created_at) AS verified_type, max({suspect}) AS suspect, count() AS posts,
       countIf(has(brands, %(brand)s)) AS brand_posts,
       uniqExactIf(toDate(created_at), has(brands, %(brand)s)) AS active_days,
       sumIf(reposts + comments + likes, has(brands, %(brand)s)) AS engagement,
       sumIf(ifNull(reads, 0), has(brands, %(brand)s)) AS reads,
       avgIf(if(sentiment = 'positive', 1, if(sentiment = 'negative', -1, 0)), has(brands, %(brand)s))
           AS brand_sentiment
FROM mentions FINAL
WHERE {where} AND author_id IN (SELECT author_id FROM mentions WHERE {where} AND has(brands, %(brand)s))
GROUP BY platform, author_id
HAVING brand_posts > 0
"""
"""Per author who named the brand in the period: the raw figures of the ranking. The ``IN`` (every version, a
superset) spares ``FINAL``'s grouping the authors who never named it."""

AUDIENCE = """
SELECT platform, author_id, uniqExact(fan) AS engaged, uniqExactIf(fan, fan_suspect = 1) AS engaged_suspect,
       uniqExactIf(fan, fan_buyer = 1) AS engaged_buyers
FROM
(
    SELECT event_id AS root, platform, author_id FROM mentions FINAL
    WHERE {where} AND has(brands, %(brand)s) AND kind IN ('post', 'article')
) AS p
ALL INNER JOIN
(
    SELECT root_id AS root, author_id AS fan, {suspect} AS fan_suspect, buyer AS fan_buyer FROM mentions FINAL
    WHERE kind IN ('repost', 'comment') AND root_id != '' AND created_at >= %(lo)s
) AS r USING (root)
GROUP BY platform, author_id
"""
"""Who responded to each author's brand posts and articles (a response never precedes its post: from ``lo`` on)."""

FIELDS = ("platform", "author_id", "author_name", "followers", "verified_type", "suspect", "posts", "brand_posts",
          "active_days", "engagement", "reads", "brand_sentiment", "engaged", "engaged_suspect", "engaged_buyers")

PARTS_SQL = {
    "reach": "log(1 + followers) / if(top_followers > 0, log(1 + top_followers), 1)",
    "engagement": "log(1 + engagement + reads / 10) / if(top_engagement > 0, log(1 + top_engagement), 1)",
    "quality": "if(engaged > 0, 1 - engaged_suspect / engaged, 0.5) / if(suspect = 1, 2, 1) "
               "* greatest(0.5, least(1.0, active_days / greatest(%(days)s, 1.0)))",
    "affinity": "0.7 * brand_posts / posts + 0.3 * (brand_sentiment + 1) / 2",
}
"""The parts of :func:`rank` in SQL, over the period's largest followers and engagement."""
PARTS_SQL["score"] = " + ".join(f"{w} * ({PARTS_SQL[k]})" for k, w in WEIGHTS.items())

RANKED = """
SELECT top_followers, top_engagement, {unpack}
FROM
(
    SELECT max(followers) AS top_followers, max(engagement + reads / 10) AS top_engagement,
           groupArray(tuple({fields})) AS authors
    FROM ({figures}) AS f ALL LEFT JOIN ({audience}) AS e USING (platform, author_id)
)
ARRAY JOIN authors AS a
ORDER BY round({key}, 4) DESC, author_id
LIMIT %(n)s
"""
"""Every author ranked in one pass (the largest figures and the authors gathered together), first ``n`` returned."""

MARGIN = 100
"""Authors read beyond the limit: :func:`rank` orders them again in Python, where a score near a rounding
boundary may round the other way than in ClickHouse."""


def _where(platform: str | None) -> str:
    cond = "created_at >= %(lo)s AND created_at < %(hi)s"
    return cond + (" AND platform = %(platform)s" if platform else "")


def ranked(ch: ClickHouse, brand: str, since: datetime, until: datetime, days: float,
           platform: str | None = None, sort: SortKey = "score", limit: int = 50) -> list[dict[str, Any]]:
    """The ``limit`` authors who named ``brand`` in [since, until) ranked first by ``sort`` (see :func:`rank`).

    ClickHouse ranks every author and returns the first ``limit`` + :data:`MARGIN` with the period's largest
    followers and engagement; :func:`rank` scores and orders those exactly. At 10,000,000 mentions the top
    brand has 212,000 such authors: sending them all to Python took as long as the queries themselves.
    """
    where = _where(platform)
    sql = RANKED.format(
        unpack=", ".join(f"tupleElement(a, {i}) AS {name}" for i, name in enumerate(FIELDS, 1)),
        fields=", ".join(FIELDS), key=PARTS_SQL[sort],
        figures=FIGURES.format(where=where, suspect=SUSPECT), audience=AUDIENCE.format(where=where, suspect=SUSPECT))
    rows = ch.query(sql, {"brand": brand, "lo": since, "hi": until, "platform": platform or "", "days": days,
                          "n": limit + MARGIN})
    if not rows:
        return []
    top = (float(rows[0]["top_followers"]), float(rows[0]["top_engagement"]))
    authors = [{name: r[name] for name in FIELDS} for r in rows]
    return rank(authors, days, sort, limit, top=top)


def rank(rows: list[dict[str, Any]], days: float, sort: SortKey = "score", limit: int = 50,
         top: tuple[float, float] | None = None) -> list[dict[str, Any]]:
    """Score ``rows`` (the figures of :data:`FIGURES` and :data:`AUDIENCE`) over a period of ``days`` days.

    Best first (ties by author id). ``top``: the largest followers and engagement + reads / 10 of every
    author of the period when ``rows`` are only some of them; by default those of ``rows``.
    """
    if not rows:
        return []
    reach = [math.log1p(r["followers"]) for r in rows]
    engagement = [math.log1p(r["engagement"] + r["reads"] / 10) for r in rows]
    if top is None:
        top_reach, top_engagement = max(reach) or 1.0, max(engagement) or 1.0
    else:
        top_reach, top_engagement = math.log1p(top[0]) or 1.0, math.log1p(top[1]) or 1.0
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
