"""Social events as producers send them: posts, reposts and comments.

One model, :class:`SocialEvent`, covers every platform. The stable id of an event is
``"<platform>:<native id>"`` (``weibo:4490012345``); ``root_id`` and ``parent_id``
use the same form, so a thread's events can be keyed and joined without knowing
the platform's own id scheme.

Validation is strict: unknown fields, wrong types, ids that do not match the
platform, empty or oversized text and control characters are rejected with a
message that names the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeInt,
    field_validator,
    model_validator,
)

MAX_TEXT_CHARS = 20000
"""Upper bound on ``text``; the worker may set a lower one (``SOCIALLISTEN_MAX_TEXT_CHARS``)."""

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
UNCLEAN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
"""Control characters and lone surrogates: never accepted in text from outside."""
_NATIVE_ID = r"[A-Za-z0-9_.\-]{1,128}"
_ID = re.compile(rf"[a-z]+:{_NATIVE_ID}")  # used with fullmatch


class Platform(StrEnum):
    """Platforms the pipeline understands."""

    weibo = "weibo"
    wechat = "wechat"
    tieba = "tieba"
    qq = "qq"
    xiaohongshu = "xiaohongshu"


class Kind(StrEnum):
    """What the event is. A repost is a post with a parent; a comment answers a post."""

    post = "post"
    repost = "repost"
    comment = "comment"
    article = "article"  # WeChat official-account article


class VerifiedType(StrEnum):
    """Verification badge of an account ("V" accounts)."""

    none = "none"
    personal = "personal"  # orange V: verified individual
    enterprise = "enterprise"  # blue V: company / brand
    media = "media"
    government = "government"
    organization = "organization"
    kol = "kol"  # platform-certified creator / influencer


_PLATFORMS = {p.value: p for p in Platform}
_ID_OF = {p: re.compile(rf"{p.value}:{_NATIVE_ID}") for p in Platform}
_KINDS = {k.value: k for k in Kind}
_ANSWERS = frozenset({Kind.repost, Kind.comment})
"""Kinds that need a parent."""


def _clean_text(value: str) -> str:
    if value.isprintable():  # a fast scan in C: no control character, no surrogate
        return value
    if UNCLEAN_TEXT.search(value):  # one scan of the clean majority; the message is worked out on a hit
        if _LONE_SURROGATE.search(value):
            raise ValueError("contains invalid Unicode (lone surrogate); send UTF-8 text")
        raise ValueError("contains control characters; strip them before sending")
    return value


def _clean_content(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty or only whitespace")
    return _clean_text(value)


# Length limits go before the validator: pydantic checks them natively (after a custom validator
# it would add a Python check per field).
AuthorName = Annotated[str, Field(max_length=200), AfterValidator(_clean_text)]
Title = Annotated[str, Field(max_length=500), AfterValidator(_clean_text)]
Content = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS), AfterValidator(_clean_content)]
"""An event's ``text``: clean and not blank."""


def _member_validator(field: str, members: Mapping[str, StrEnum]) -> classmethod[Any, [Any], Any]:
    """A before-validator for ``field`` that turns a string into its member of ``members``.

    An unknown string is rejected as "unknown <field> '...'; expected one of: ..." (the
    dead-letter reason is derived from this message).
    """
    known = ", ".join(members)

    def coerce(cls: type[BaseModel], value: Any) -> Any:
        if isinstance(value, str):
            try:
                return members[value]
            except KeyError:
                raise ValueError(f"unknown {field} {value[:40]!r}; expected one of: {known}") from None
        return value

    return field_validator(field, mode="before")(classmethod(coerce))


def _utc_time(value: Any) -> Any:
    """An ISO-8601 string or an aware datetime -> the same instant in UTC (one call per field)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)  # reads a trailing 'Z' itself (Python >= 3.11)
        except ValueError:
            raise ValueError(f"not an ISO-8601 time: {value[:40]!r}") from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("needs a timezone (e.g. '2024-05-01T12:00:00+08:00' or '...Z')")
        return value.astimezone(UTC)
    return value  # anything else: the field's own (strict) validation names the type


UtcTime = Annotated[datetime, BeforeValidator(_utc_time)]
"""A time with its timezone, stored in UTC."""


class Author(BaseModel):
    """The account that wrote the event, as the platform shows it at the time."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: Annotated[str, Field(min_length=1, max_length=128)]
    name: AuthorName = ""
    verified: bool = False
    verified_type: Annotated[VerifiedType, Field(strict=False)] = VerifiedType.none  # from its string value
    followers: NonNegativeInt = 0
    following: NonNegativeInt = 0
    posts: NonNegativeInt = 0
    created_at: UtcTime | None = None


class Engagement(BaseModel):
    """Counts the platform reports; ``reads`` only where it has them (WeChat, Weibo reads)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    reposts: NonNegativeInt = 0
    comments: NonNegativeInt = 0
    likes: NonNegativeInt = 0
    reads: NonNegativeInt | None = None


class SocialEvent(BaseModel):
    """A post, repost, comment or article from one platform.

    JSON example::

        {"id": "weibo:4490012345", "platform": "weibo", "kind": "repost",
         "root_id": "weibo:4490000001", "parent_id": "weibo:4490000777",
         "author": {"id": "1812711584", "name": "小王", "verified": false, "followers": 120},
         "text": "已经回购第三次了//@蒙牛乳业:新品上市", "created_at": "2024-05-01T12:00:00+08:00",
         "engagement": {"reposts": 0, "comments": 2, "likes": 5}, "urls": []}
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: Annotated[str, Field(description="'<platform>:<native id>', stable across replays")]
    platform: Platform
    kind: Kind = Kind.post
    root_id: str | None = Field(default=None, description="thread root; null for a root post")
    parent_id: str | None = Field(default=None, description="the post or comment this answers/reposts")
    author: Author
    title: Title = ""
    text: Content
    created_at: UtcTime
    engagement: Engagement = Field(default_factory=Engagement)
    urls: Annotated[list[Annotated[str, Field(max_length=2048)]], Field(max_length=50, default_factory=list)]
    campaign: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="campaign this post drives traffic to (tracked link / code)"
    )
    group_id: Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:\-]+$")] | None = Field(
        default=None, description="the group or circle it was posted in (QQ group, WeChat group, circle); optional"
    )

    _coerce_platform = _member_validator("platform", _PLATFORMS)
    _coerce_kind = _member_validator("kind", _KINDS)

    @model_validator(mode="after")
    def _check_ids(self) -> SocialEvent:
        own = _ID_OF[self.platform].fullmatch  # the right form and this platform's prefix at once
        root_id, parent_id = self.root_id, self.parent_id
        if not (own(self.id) and (root_id is None or own(root_id)) and (parent_id is None or own(parent_id))):
            self._bad_id(own)  # the common case is one line; only a bad id pays for naming the field
        if parent_id is None and self.kind in _ANSWERS:
            raise ValueError(f"a {self.kind.value} needs parent_id")
        if parent_id is not None and root_id is None:
            raise ValueError("root_id is required when parent_id is set")
        if root_id == self.id:
            raise ValueError("root_id must differ from id (leave it null on a root post)")
        return self

    def _bad_id(self, own: Callable[[str], re.Match[str] | None]) -> None:
        """Raise the error naming the first id that is not ``own``'s form."""
        for field, value in (("id", self.id), ("root_id", self.root_id), ("parent_id", self.parent_id)):
            if value is None or own(value):
                continue
            if not _ID.fullmatch(value):
                raise ValueError(f"{field} {value[:60]!r} must look like '<platform>:<native id>'")
            prefix = f"{self.platform.value}:"
            raise ValueError(f"{field} {value[:60]!r} must start with '{prefix}' (platform is {self.platform})")

    @property
    def thread_id(self) -> str:
        """The id every event of one thread shares: the root's id (Kafka message key)."""
        return self.root_id or self.id

    @property
    def native_id(self) -> str:
        """The platform's own id."""
        return self.id.split(":", 1)[1]


def event_json_schema() -> dict[str, Any]:
    """JSON Schema of :class:`SocialEvent` for producers."""
    return SocialEvent.model_json_schema(mode="validation")
