"""Tracked links: short codes, their fixed targets, and where they are stored (``tracked_links``).

A link is created once (``sociallisten links create``, ``POST /api/links``) and never changed: its
target was checked by :func:`~pipeline.tracking.targets.safe_target` at creation. When a link names
a post but no account, the post's author (from ``mentions``) becomes its account, so the KOL view
can say which authors drove visits and orders.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

from pipeline.errors import SocialListenError
from pipeline.storage import ClickHouse
from pipeline.tracking.rows import LINK_COLUMNS, link_row
from pipeline.tracking.targets import safe_target
from schemas.tracking import LinkIn, TrackedLink

CODE_BYTES = 6
"""Random bytes of a code: 8 URL-safe characters, 2^48 codes."""


class LinkError(SocialListenError):
    """A link that cannot be created (bad target, bad fields)."""


def new_code() -> str:
    """A random code of 8 URL-safe characters."""
    return secrets.token_urlsafe(CODE_BYTES)


def find_link(ch: ClickHouse, code: str) -> TrackedLink | None:
    """The stored link of ``code``, or None."""
    rows = ch.query("SELECT code, target, campaign, post_id, platform, account FROM tracked_links FINAL "
                    "WHERE code = %(code)s", {"code": code})
    return TrackedLink(**rows[0]) if rows else None


def _post_author(ch: ClickHouse, post_id: str) -> tuple[str, str]:
    rows = ch.query("SELECT platform, author_id FROM mentions FINAL WHERE event_id = %(id)s LIMIT 1", {"id": post_id})
    return (str(rows[0]["platform"]), str(rows[0]["author_id"])) if rows else ("", "")


def create_link(ch: ClickHouse, request: LinkIn, created_by: str, code: str | None = None) -> TrackedLink:
    """Check the target, pick a new code, fill platform/account from the post when missing, store it.

    ``code``: use this code (the demo's fixed ones); when it exists already, the stored link is returned
    unchanged (a link is fixed at creation).
    """
    if code is not None and (existing := find_link(ch, code)) is not None:
        return existing
    try:
        target = safe_target(request.url)
    except ValueError as exc:
        raise LinkError(f"refused target: {exc}") from None
    platform, account = request.platform, request.account
    if request.post and not (platform and account):
        post_platform, author = _post_author(ch, request.post)
        platform, account = platform or post_platform, account or author
    for _ in range(5):
        if code is not None:
            break
        candidate = new_code()
        if find_link(ch, candidate) is None:
            code = candidate
    if code is None:  # pragma: no cover - 2^48 codes
        raise LinkError("could not find a free code")
    link = TrackedLink(code=code, target=target, campaign=request.campaign, post_id=request.post,
                       platform=platform, account=account)
    now = datetime.now(UTC).replace(microsecond=0)
    ch.insert("tracked_links", LINK_COLUMNS, [link_row(link, now, created_by, time.time_ns() // 1000)])
    return link


class LinkCache:
    """Links by code, kept in memory for ``ttl`` seconds (missing codes for ``miss_ttl``)."""

    def __init__(self, ttl: float = 300.0, miss_ttl: float = 5.0, max_entries: int = 100_000) -> None:
        """A cache that forgets a link after ``ttl`` seconds and an unknown code after ``miss_ttl``."""
        self.ttl, self.miss_ttl, self.max_entries = ttl, miss_ttl, max_entries
        self._entries: dict[str, tuple[float, TrackedLink | None]] = {}

    def get(self, code: str) -> tuple[bool, TrackedLink | None]:
        """(known, link): known is False when the code must be looked up."""
        entry = self._entries.get(code)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put(self, code: str, link: TrackedLink | None) -> None:
        """Remember the answer for ``code``."""
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # bounded memory; links are cheap to look up again
        self._entries[code] = (time.monotonic() + (self.ttl if link else self.miss_ttl), link)
