"""Deep tracking events: a click on a tracked link, a visit beacon, an order (conversion).

The web tier produces them to ``<prefix>clicks``, ``<prefix>visits`` and ``<prefix>conversions``;
the worker validates them with these models (an invalid message becomes a dead letter with the
reason) and stores them idempotently: a click by its ``click_id``, a beacon by ``view_id`` and
``seq``, an order by ``order_id``. Nothing here holds a raw IP address or a full user agent: the
web tier keeps a salted hash of the address and the class of the agent (:class:`UaClass`).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from schemas.events import UtcTime

CODE_PATTERN = r"^[A-Za-z0-9_-]{4,32}$"
"""A tracked link's short code (the ``/l/{code}`` path segment)."""
VISITOR_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
"""An anonymous visitor id (random, from the first-party cookie)."""
_PRINTABLE_ASCII = re.compile(r"^[\x21-\x7e]*$")
MAX_DWELL_MS = 24 * 3600 * 1000
"""A page view longer than a day is not a dwell time, it is a tab left open: refused."""


def _printable(value: str) -> str:
    if not value.isprintable():
        raise ValueError("control characters are not allowed")
    return value


def _ascii_token(value: str) -> str:
    if not _PRINTABLE_ASCII.match(value):
        raise ValueError("only printable ASCII without spaces is allowed")
    return value


Code = Annotated[str, Field(pattern=CODE_PATTERN)]
VisitorId = Annotated[str, Field(pattern=VISITOR_PATTERN)]
Short = Annotated[str, Field(max_length=200), AfterValidator(_printable)]
OptionalCode = Annotated[str, Field(pattern=r"^([A-Za-z0-9_-]{4,32})?$", description="landing code, '' when none")]
OptionalVisitorId = Annotated[str, Field(pattern=r"^([A-Za-z0-9_-]{8,64})?$", description="visitor id, '' when none")]
OrderId = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(_ascii_token)]


class UaClass(StrEnum):
    """What kind of client a user agent names (the full user agent is never kept)."""

    bot = "bot"
    wechat = "wechat"  # WeChat's in-app browser
    weibo = "weibo"  # Weibo's in-app browser
    mobile = "mobile"
    tablet = "tablet"
    desktop = "desktop"
    other = "other"


class VisitKind(StrEnum):
    """What a beacon reports: the page loaded, it is still visible, or it was hidden/left."""

    pageview = "pageview"
    heartbeat = "heartbeat"
    leave = "leave"


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClickEvent(_Event):
    """One click on ``/l/{code}``, as the web tier recorded it."""

    click_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="random, one per click")]
    code: Code
    clicked_at: UtcTime
    referrer: Annotated[str, Field(max_length=253, description="host of the referring page, '' when none")] = ""
    ua_class: UaClass = UaClass.other
    visitor_id: VisitorId
    ip_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$", description="salted hash; the salt rotates daily")]
    bot: bool = False


class VisitEvent(_Event):
    """One beacon of a page view on the brand's site (``POST /t/visit``, stamped by the web tier)."""

    view_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{8,64}$", description="random, one per page view")]
    seq: Annotated[int, Field(ge=0, le=100_000, description="0 for the page view, then 1, 2, ...")]
    kind: VisitKind
    visitor_id: VisitorId
    code: OptionalCode = ""
    at: UtcTime
    dwell_ms: Annotated[int, Field(ge=0, le=MAX_DWELL_MS, description="visible time of the view so far")] = 0
    page: Annotated[str, Field(max_length=512, description="path of the page, no query string")] = "/"
    ua_class: UaClass = UaClass.other
    bot: bool = False

    @property
    def event_id(self) -> str:
        """The beacon's stable id (a replayed beacon replaces itself)."""
        return f"{self.view_id}:{self.seq}"


class VisitBeacon(_Event):
    """What ``/t.js`` sends (the web tier adds the time, the agent class and the bot flag)."""

    view_id: Annotated[str, Field(pattern=VISITOR_PATTERN)]
    seq: Annotated[int, Field(ge=0, le=100_000)]
    kind: VisitKind
    visitor_id: VisitorId
    code: OptionalCode = ""
    dwell_ms: Annotated[int, Field(ge=0, le=MAX_DWELL_MS)] = 0
    page: Annotated[str, Field(max_length=512), AfterValidator(_printable)] = "/"


class ConversionEvent(_Event):
    """One order: idempotent by ``order_id`` (the same order sent again replaces itself)."""

    order_id: OrderId
    ordered_at: UtcTime
    amount_cents: Annotated[int, Field(ge=0, le=10**13, description="amount in minor units (fen, cents)")]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "CNY"
    visitor_id: OptionalVisitorId = ""
    code: OptionalCode = ""
    utm_source: Short = ""
    utm_medium: Short = ""
    utm_campaign: Short = ""
    utm_content: Short = ""
    source: Annotated[str, Field(pattern=r"^(api|csv|demo|test)$")] = "api"


class ConversionIn(_Event):
    """An order as a shop sends it (``POST /api/conversions``, one CSV row): the amount in major units."""

    order_id: OrderId
    time: UtcTime
    amount: Annotated[float, Field(ge=0, le=1e11)]
    currency: Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")] = "CNY"
    visitor_id: OptionalVisitorId = ""
    code: OptionalCode = ""
    utm_source: Short = ""
    utm_medium: Short = ""
    utm_campaign: Short = ""
    utm_content: Short = ""

    @model_validator(mode="after")
    def _amount_has_cents(self) -> ConversionIn:
        if abs(round(self.amount * 100) - self.amount * 100) > 1e-6:
            raise ValueError("amount has more than two decimals")
        return self

    def event(self, source: str) -> ConversionEvent:
        """The conversion event produced for this order."""
        return ConversionEvent(
            order_id=self.order_id, ordered_at=self.time, amount_cents=round(self.amount * 100),
            currency=self.currency.upper(), visitor_id=self.visitor_id, code=self.code,
            utm_source=self.utm_source, utm_medium=self.utm_medium, utm_campaign=self.utm_campaign,
            utm_content=self.utm_content, source=source,
        )


class LinkIn(_Event):
    """A tracked link to create (``POST /api/links``, ``sociallisten links create``)."""

    url: Annotated[str, Field(min_length=1, max_length=2048)]
    campaign: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)]
    post: Annotated[str, Field(max_length=200), AfterValidator(_printable)] = ""
    platform: Annotated[str, Field(max_length=32), AfterValidator(_printable)] = ""
    account: Annotated[str, Field(max_length=200), AfterValidator(_printable)] = ""


class TrackedLink(_Event):
    """A stored tracked link: its target is fixed at creation."""

    code: Code
    target: str
    campaign: str
    post_id: str = ""
    platform: str = ""
    account: str = ""
