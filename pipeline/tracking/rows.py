"""The tracking tables the worker writes: column lists in DDL order (migration 013) and rows.

Every table is a ``ReplacingMergeTree`` keyed by the event's own id, so a replayed event replaces
itself: ``clicks`` by ``click_id``, ``visits`` by ``event_id`` (``view_id:seq``), ``conversions``
by ``order_id``.
"""

from __future__ import annotations

from typing import Any

from schemas.tracking import ClickEvent, ConversionEvent, TrackedLink, VisitEvent

CLICK_COLUMNS: tuple[str, ...] = (
    "click_id", "code", "clicked_at", "referrer", "ua_class", "visitor_id", "ip_hash", "bot", "version",
)  # fmt: skip
VISIT_COLUMNS: tuple[str, ...] = (
    "event_id", "view_id", "seq", "kind", "visitor_id", "code", "at", "dwell_ms", "page", "ua_class", "bot",
    "version",
)  # fmt: skip
CONVERSION_COLUMNS: tuple[str, ...] = (
    "order_id", "ordered_at", "amount_cents", "currency", "visitor_id", "code",
    "utm_source", "utm_medium", "utm_campaign", "utm_content", "source", "version",
)  # fmt: skip
LINK_COLUMNS: tuple[str, ...] = (
    "code", "target", "campaign", "post_id", "platform", "account", "created_at", "created_by", "version",
)  # fmt: skip

TRACKING_COLUMNS: dict[str, tuple[str, ...]] = {
    "clicks": CLICK_COLUMNS, "visits": VISIT_COLUMNS, "conversions": CONVERSION_COLUMNS,
}
"""The worker's tracking tables and their columns."""


def click_row(ev: ClickEvent, version: int) -> tuple[Any, ...]:
    """The ``clicks`` row of a click, in :data:`CLICK_COLUMNS` order."""
    return (ev.click_id, ev.code, ev.clicked_at.replace(microsecond=0), ev.referrer, ev.ua_class.value,
            ev.visitor_id, ev.ip_hash, int(ev.bot), version)


def visit_row(ev: VisitEvent, version: int) -> tuple[Any, ...]:
    """The ``visits`` row of a beacon, in :data:`VISIT_COLUMNS` order."""
    return (ev.event_id, ev.view_id, ev.seq, ev.kind.value, ev.visitor_id, ev.code, ev.at.replace(microsecond=0),
            ev.dwell_ms, ev.page, ev.ua_class.value, int(ev.bot), version)


def conversion_row(ev: ConversionEvent, version: int) -> tuple[Any, ...]:
    """The ``conversions`` row of an order, in :data:`CONVERSION_COLUMNS` order."""
    return (ev.order_id, ev.ordered_at.replace(microsecond=0), ev.amount_cents, ev.currency, ev.visitor_id,
            ev.code, ev.utm_source, ev.utm_medium, ev.utm_campaign, ev.utm_content, ev.source, version)


def link_row(link: TrackedLink, created_at: Any, created_by: str, version: int) -> tuple[Any, ...]:
    """The ``tracked_links`` row of a link, in :data:`LINK_COLUMNS` order."""
    return (link.code, link.target, link.campaign, link.post_id, link.platform, link.account, created_at,
            created_by, version)
