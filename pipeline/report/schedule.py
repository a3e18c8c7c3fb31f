"""``SOCIALLISTEN_REPORT_SCHEDULE``: when reports are made, and where they are pushed (pluggable sinks).

Grammar (times in UTC; entries separated by ``;``):

- ``daily HH:MM`` - every day at HH:MM, the report on the previous day;
- ``weekly DAY HH:MM`` (DAY = mon, tue, wed, thu, fri, sat, sun) - every week then, the report on the
  previous ISO week (Monday to Sunday).

A sink is anything with ``name`` and ``push(delivery)`` (:class:`ReportSink`): :class:`DirectorySink`
writes the files, :class:`WebhookSink` posts a JSON message to the alert webhook. Messenger channels
can be added as further sinks without touching the schedule.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol

import httpx
from pydantic import BaseModel, ConfigDict

from pipeline.errors import ConfigError, Transient
from pipeline.monitor.webhook import origin
from pipeline.report.period import Period, PeriodKind
from pipeline.retry import RetryPolicy

log = logging.getLogger(__name__)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ENTRY = re.compile(r"^(daily|weekly\s+(mon|tue|wed|thu|fri|sat|sun))\s+([01]?\d|2[0-3]):([0-5]\d)$")


class Entry(BaseModel):
    """One schedule entry: a day report daily, or a week report on one weekday, at ``hour:minute`` UTC."""

    model_config = ConfigDict(frozen=True)

    kind: PeriodKind
    weekday: int | None = None  # 0 = Monday; weeks only
    hour: int
    minute: int

    def next_after(self, now: datetime) -> datetime:
        """The first run strictly after ``now`` (aware, UTC)."""
        at = now.astimezone(UTC).replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        if self.weekday is not None:
            at += timedelta(days=(self.weekday - at.weekday()) % 7)
        step = timedelta(days=1 if self.weekday is None else 7)
        while at <= now:
            at += step
        return at

    def period_at(self, run: datetime) -> Period:
        """The period a run at ``run`` reports on: the day before, or the ISO week before."""
        day: date = run.astimezone(UTC).date()
        return Period.containing(self.kind, day - timedelta(days=1 if self.kind == "day" else 7))


def parse_schedule(text: str) -> list[Entry]:
    """The entries of ``text``; ConfigError naming SOCIALLISTEN_REPORT_SCHEDULE and the form when invalid."""
    entries = []
    for part in (p.strip().lower() for p in text.split(";")):
        if not part:
            continue
        m = _ENTRY.match(" ".join(part.split()))
        if not m:
            raise ConfigError(f"SOCIALLISTEN_REPORT_SCHEDULE: {part[:40]!r} is not 'daily HH:MM' or "
                              "'weekly DAY HH:MM' (DAY one of mon..sun, times in UTC)")
        weekday = DAYS.index(m.group(2)) if m.group(2) else None
        entries.append(Entry(kind="day" if weekday is None else "week", weekday=weekday,
                             hour=int(m.group(3)), minute=int(m.group(4))))
    if not entries:
        raise ConfigError("SOCIALLISTEN_REPORT_SCHEDULE: empty; e.g. 'daily 00:30' or 'weekly mon 01:00'")
    return entries


def next_run(entries: list[Entry], now: datetime) -> tuple[datetime, Entry]:
    """The soonest run after ``now`` and its entry."""
    return min(((e.next_after(now), e) for e in entries), key=lambda pair: pair[0])


class Delivery(BaseModel):
    """One made report: its files and its Markdown text (for chat messages)."""

    model_config = ConfigDict(frozen=True)

    title: str
    period: str
    brand: str
    files: dict[str, bytes]  # file name -> content
    markdown: str


class ReportSink(Protocol):
    """Where a scheduled report goes."""

    name: str

    def push(self, delivery: Delivery) -> None:
        """Deliver it; raise a SocialListenError when it could not be delivered."""
        ...


class DirectorySink:
    """Writes each file into a directory (whole files only: written beside, then renamed)."""

    name = "dir"

    def __init__(self, directory: Path) -> None:
        """Write into ``directory`` (created when missing)."""
        self.directory = directory

    def push(self, delivery: Delivery) -> None:
        """Write every file of ``delivery``."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, content in delivery.files.items():
            final = self.directory / name
            part = final.with_name(f".{name}.part")
            part.write_bytes(content)
            os.replace(part, final)
            log.info("report written to %s (%d bytes)", final, len(content))


class PushFailed(Transient):
    """The endpoint did not take the report."""


class WebhookSink:
    """POSTs ``{"kind": "report", "title", "period", "brand", "files", "markdown"}`` as JSON to a URL."""

    name = "webhook"

    def __init__(self, url: str, *, attempts: int = 3, timeout: float = 10.0) -> None:
        """Post to ``url`` (a secret: logs name only its origin), ``attempts`` tries of ``timeout`` s."""
        self.url = url
        self.timeout = timeout
        self.retry = RetryPolicy(first_seconds=0.5, max_seconds=4.0, attempts=attempts)

    def _post(self, body: dict[str, object]) -> None:
        try:
            resp = httpx.post(self.url, json=body, timeout=self.timeout)
        except (httpx.HTTPError, OSError) as exc:
            raise PushFailed(f"{type(exc).__name__} from {origin(self.url)}") from None
        if not resp.is_success:
            raise PushFailed(f"{origin(self.url)} answered {resp.status_code}")

    def push(self, delivery: Delivery) -> None:
        """Post the message (the Markdown text and the names of the files)."""
        body: dict[str, object] = {"kind": "report", "title": delivery.title, "period": delivery.period,
                                   "brand": delivery.brand, "files": sorted(delivery.files),
                                   "markdown": delivery.markdown}
        self.retry.call_blocking(f"report webhook {origin(self.url)}", self._post, body)
        log.info("report %s posted to %s", delivery.period, origin(self.url))
