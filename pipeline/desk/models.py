"""Case data: keys and ids, observations (service-request events), case state, commands, audit events."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

CASE_ID_PATTERN = r"^[0-9a-f]{16}-[0-9]{1,6}$"
"""Case ids are ``<case key>-<n>``: the key routes a command to the owning partition."""
CASE_ID = re.compile(CASE_ID_PATTERN)

_LINKS = {
    "weibo": "https://weibo.com/detail/{id}",
    "wechat": "https://mp.weixin.qq.com/s/{id}",
    "tieba": "https://tieba.baidu.com/p/{id}",
    "qq": "https://qun.qq.com/msg/{id}",
    "xiaohongshu": "https://www.xiaohongshu.com/explore/{id}",
}


class Status(StrEnum):
    """Lifecycle states of a case."""

    new = "new"
    claimed = "claimed"
    replied = "replied"
    resolved = "resolved"
    reopened = "reopened"
    escalated = "escalated"


OPEN_STATUSES = frozenset(s for s in Status if s is not Status.resolved)


class Op(StrEnum):
    """Commands the case agent accepts."""

    observe = "observe"
    claim = "claim"
    reply = "reply"
    resolve = "resolve"
    reopen = "reopen"
    assign = "assign"
    escalate = "escalate"


def case_key(thread_id: str, author_id: str) -> str:
    """Key of the (thread, author) pair whose requests form one case at a time: 16 hex digits."""
    return hashlib.sha1(f"{thread_id}\x1f{author_id}".encode()).hexdigest()[:16]


def case_id(key: str, seq: int) -> str:
    """Id of the ``seq``-th case of a key."""
    return f"{key}-{seq}"


def key_of(case_id_: str) -> str:
    """The case key inside a case id (the Kafka key of its commands)."""
    return case_id_.split("-", 1)[0]


def link_for(platform: str, event_id: str, urls: list[str]) -> str:
    """A URL for the event: built from platform + native id, else the event's first http(s) URL.

    Pages turn it into a link, so only ``http://`` and ``https://`` URLs are returned (never
    ``javascript:`` or ``data:``); none: "".
    """
    template = _LINKS.get(platform)
    native = event_id.split(":", 1)[1] if ":" in event_id else event_id
    if template:
        return template.format(id=native)
    return next((u for u in urls if is_web_url(u)), "")


def is_web_url(url: str) -> bool:
    """True for an absolute ``http://`` or ``https://`` URL (case-insensitive scheme, no leading blanks)."""
    return url.lower().startswith(("http://", "https://"))


class Message(BaseModel):
    """One event of the author joined to a case."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    kind: str
    created_at: datetime
    text: str


class Observation(BaseModel):
    """A service-request event as the desk needs it (built by the batch listener)."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    platform: str
    kind: str
    thread_id: str
    url: str
    author_id: str
    author_name: str = ""
    author_followers: int = 0
    author_verified: bool = False
    author_verified_type: str = "none"
    text: str
    created_at: datetime
    category: str = "other"
    detector_priority: str = "normal"
    sentiment: str = "neutral"
    sentiment_score: float = 0.0
    brand: str = ""
    engagement: int = 0


class CaseState(BaseModel):
    """The current state of one case; owned by the case agent, mirrored to ClickHouse."""

    case_id: str
    case_key: str
    thread_id: str
    platform: str
    link: str
    author_id: str
    author_name: str
    author_followers: int
    author_verified: bool
    author_verified_type: str
    text: str
    category: str
    detector_priority: str
    priority: str
    sentiment: str
    sentiment_score: float
    brand: str
    status: Status = Status.new
    assignee: str = ""
    escalated: bool = False
    opened_at: datetime
    """When the pipeline saw the first request (the SLA clock starts here)."""
    first_message_at: datetime
    last_message_at: datetime
    updated_at: datetime
    first_response_due: datetime
    resolution_due: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    reopen_count: int = 0
    repeats: int = 0
    max_engagement: int = 0
    revision: int = 1
    messages: list[Message] = Field(default_factory=list)


class Command(BaseModel):
    """A message on the ``cases`` topic: observe (from the pipeline) or an agent's action (from the API)."""

    model_config = ConfigDict(frozen=True)

    op: Op
    command_id: str = Field(min_length=1, max_length=80)
    at: datetime
    actor: str = "pipeline"
    role: Literal["system", "readonly", "agent", "supervisor"] = "system"
    case_id: str | None = None
    note: str = ""
    assignee: str = ""
    force: bool = False
    observation: Observation | None = None


class AuditEvent(BaseModel):
    """One transition of a case, kept for audit (``desk_case_events``)."""

    case_id: str
    revision: int
    at: datetime
    op: str
    actor: str
    from_status: str
    to_status: str
    assignee: str = ""
    note: str = ""
    event_id: str = ""


class Outcome(BaseModel):
    """What a command did: an HTTP-like code, the case after it, and the audit events it produced."""

    code: int
    message: str = ""
    case: CaseState | None = None
    events: list[AuditEvent] = Field(default_factory=list)
    new_messages: list[Message] = Field(default_factory=list)

    def reply(self) -> dict[str, Any]:
        """The JSON-able answer sent back to the asker."""
        return {
            "code": self.code,
            "message": self.message,
            "case": self.case.model_dump(mode="json") if self.case else None,
        }


class Slot(BaseModel):
    """The agent's table value for one case key."""

    seq: int = 0
    seen: list[str] = Field(default_factory=list)
    results: dict[str, dict[str, Any]] = Field(default_factory=dict)
    cases: dict[str, CaseState] = Field(default_factory=dict)

    def latest(self) -> CaseState | None:
        """The key's most recent case."""
        return self.cases[case_id(next(iter(self.cases.values())).case_key, self.seq)] if self.cases else None
