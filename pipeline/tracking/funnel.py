"""The funnel of a campaign: reads -> clicks -> visitors -> engaged visitors -> orders and revenue.

Read from the views of migrations 014 and 015, all exact under replay. Orders are attributed here
with the window of ``SOCIALLISTEN_ATTRIBUTION_DAYS``: an order goes to the code of the last non-bot
click of its visitor (or of its code / ``utm_content`` when it names no visitor) at most that many
days before it; with none, it is unattributed. Bot clicks and bot visitors are counted apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from pipeline.storage import ClickHouse

ENGAGED_MS = 10_000
"""A visitor is engaged after 10 s on the site (the sum of their page views' visible time)."""

DIMENSIONS: dict[str, tuple[str, str, str, str]] = {
    # name: (clicks key, visitors key, orders key, link key)
    "campaign": ("campaign", "campaign", "campaign", "campaign"),
    "post": ("post_id", "post_id", "post_id", "post_id"),
    "account": ("account", "account", "account", "account"),
    "platform": ("platform", "platform", "platform", "platform"),
    "day": ("toString(toDate(clicked_at))", "toString(toDate(first_seen))", "toString(toDate(ordered_at))", ""),
}
"""How each funnel dimension is read from the clicks, the visitors, the orders and the links."""

ATTRIBUTION_SQL = """
SELECT order_id, ordered_at, amount_cents, currency, code, campaign, post_id, platform, account
FROM
(
    SELECT order_id, any(o_at) AS ordered_at, any(o_cents) AS amount_cents, any(o_currency) AS currency,
           argMaxIf(click_code, click_at,
                    click_at <= o_at AND toUInt32(click_at) + %(window)s >= toUInt32(o_at)) AS code
    FROM
    (
        SELECT order_id, ordered_at AS o_at, amount_cents AS o_cents, currency AS o_currency,
               multiIf(visitor_id != '', concat('v:', visitor_id), code != '', concat('c:', code),
                       utm_content != '', concat('c:', utm_content), '') AS match_key
        FROM conversions FINAL
    ) AS o
    ALL LEFT JOIN
    (
        SELECT arrayJoin([concat('v:', visitor_id), concat('c:', code)]) AS match_key, code AS click_code,
               clicked_at AS click_at
        FROM clicks FINAL
        WHERE bot = 0
    ) AS k USING match_key
    GROUP BY order_id
) AS a
ANY LEFT JOIN (SELECT code, campaign, post_id, platform, account FROM tracked_links FINAL) AS l USING code
"""
"""conversion_attribution (migration 014) with the window as a parameter (seconds)."""


class FunnelRow(BaseModel):
    """One line of a funnel (a campaign, post, account, platform or day)."""

    key: str
    reads: int | None = None
    clicks: int = 0
    bot_clicks: int = 0
    visitors: int = 0
    engaged_visitors: int = 0
    bot_visitors: int = 0
    median_seconds_on_site: float | None = None
    p90_seconds_on_site: float | None = None
    orders: int = 0
    revenue: float = 0.0
    currencies: list[str] = []


Window = tuple[datetime, datetime] | None
"""``[start, end)`` of clicks, first visits and orders; None: all time."""


def _where(campaign: str | None) -> tuple[str, dict[str, Any]]:
    return ("campaign = %(campaign)s", {"campaign": campaign}) if campaign is not None else ("campaign != ''", {})


def _within(where: str, column: str, window: Window) -> str:
    return f"{where} AND {column} >= %(start)s AND {column} < %(end)s" if window else where


def _clicks(ch: ClickHouse, key: str, where: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return ch.query(f"SELECT {key} AS key, count() AS clicks, countIf(bot = 1) AS bot_clicks "
                    f"FROM link_clicks WHERE {where} GROUP BY key", params)


def _visitors(ch: ClickHouse, key: str, where: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return ch.query(
        f"SELECT {key} AS key, uniqExactIf(visitor_id, bot = 0) AS visitors, "
        f"uniqExactIf(visitor_id, bot = 0 AND dwell_ms >= {ENGAGED_MS}) AS engaged_visitors, "
        "uniqExactIf(visitor_id, bot = 1) AS bot_visitors, countIf(bot = 0) AS humans, "
        "quantileExactIf(0.5)(dwell_ms, bot = 0) AS median_ms, quantileExactIf(0.9)(dwell_ms, bot = 0) AS p90_ms "
        f"FROM tracked_visitors WHERE code != '' AND {where} GROUP BY key", params)


def _orders(ch: ClickHouse, key: str, where: str, params: dict[str, Any], days: int) -> list[dict[str, Any]]:
    return ch.query(f"SELECT {key} AS key, count() AS orders, sum(amount_cents) AS cents, "
                    f"groupUniqArray(currency) AS currencies FROM ({ATTRIBUTION_SQL}) WHERE {where} GROUP BY key",
                    {**params, "window": days * 86400})


_POST_READS = (
    "SELECT post_id, tupleElement(latest, 1) AS reads FROM (SELECT event_id AS post_id, "
    "argMax(tuple(reads), version) AS latest FROM mentions WHERE event_id IN (SELECT post_id FROM tracked_links) "
    "GROUP BY post_id) WHERE isNotNull(tupleElement(latest, 1))")
"""The reads of the latest version of each linked post. ``argMax`` rather than ``FINAL``: on 18.16 the ``FINAL``
form took 0.42 s for 200 linked posts at 10,000,000 mentions, this one 0.05 s; the tuple keeps a latest
``NULL`` (aggregates skip ``NULL`` arguments)."""


def _reads(ch: ClickHouse, key: str, where: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return ch.query(
        f"SELECT {key} AS key, sum(ifNull(reads, 0)) AS reads FROM "
        "(SELECT DISTINCT post_id, campaign, platform, account FROM tracked_links FINAL "
        f"WHERE post_id != '' AND {where}) AS l ALL INNER JOIN ({_POST_READS}) AS m USING post_id "
        "GROUP BY key", params)


def funnel(ch: ClickHouse, *, by: str = "campaign", campaign: str | None = None, days: int = 7,
           window: Window = None) -> list[FunnelRow]:
    """The funnel by ``by`` (a key of :data:`DIMENSIONS`), of one campaign or of all; ordered by key.

    ``window``: only clicks, first visits and orders in ``[start, end)`` (reads are the posts' totals).
    """
    click_key, visitor_key, order_key, link_key = DIMENSIONS[by]
    where, params = _where(campaign)
    if window:
        params = {**params, "start": window[0], "end": window[1]}
    rows: dict[str, FunnelRow] = {}

    def row(key: Any) -> FunnelRow:
        return rows.setdefault(str(key), FunnelRow(key=str(key)))

    for r in _clicks(ch, click_key, _within(where, "clicked_at", window), params):
        row(r["key"]).clicks, row(r["key"]).bot_clicks = int(r["clicks"]), int(r["bot_clicks"])
    for r in _visitors(ch, visitor_key, _within(where, "first_seen", window), params):
        line = row(r["key"])
        line.visitors, line.engaged_visitors, line.bot_visitors = (
            int(r["visitors"]), int(r["engaged_visitors"]), int(r["bot_visitors"]))
        if int(r["humans"]):
            line.median_seconds_on_site = round(float(r["median_ms"]) / 1000, 1)
            line.p90_seconds_on_site = round(float(r["p90_ms"]) / 1000, 1)
    for r in _orders(ch, order_key, _within(where, "ordered_at", window), params, days):
        line = row(r["key"])
        line.orders, line.revenue, line.currencies = int(r["orders"]), int(r["cents"]) / 100, sorted(r["currencies"])
    if link_key:
        for r in _reads(ch, link_key, where, params):
            row(r["key"]).reads = int(r["reads"])
    return [rows[k] for k in sorted(rows)]


def unattributed(ch: ClickHouse, days: int = 7) -> dict[str, Any]:
    """Orders with no tracked click in the window: how many, and their revenue."""
    rows = ch.query(f"SELECT count() AS orders, sum(amount_cents) AS cents FROM ({ATTRIBUTION_SQL}) "
                    "WHERE code = ''", {"window": days * 86400})
    return {"orders": int(rows[0]["orders"]), "revenue": int(rows[0]["cents"] or 0) / 100}


def campaigns(ch: ClickHouse) -> list[dict[str, Any]]:
    """Every campaign with tracked links: its name, links, first link's creation and participants."""
    links = ch.query("SELECT campaign, count() AS links, min(created_at) AS since FROM tracked_links FINAL "
                     "GROUP BY campaign ORDER BY campaign")
    people = {str(r["campaign"]): int(r["participants"]) for r in ch.query(
        "SELECT campaign, sum(participants) AS participants FROM campaign_participants GROUP BY campaign")}
    return [{"campaign": str(r["campaign"]), "links": int(r["links"]), "since": r["since"],
             "participants": people.get(str(r["campaign"]), 0)} for r in links]
