"""Run the schedule: make each due report, push it to every sink; the sinks come from the settings."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from pipeline.config import Settings
from pipeline.errors import ConfigError, SocialListenError
from pipeline.report.make import FORMATS, file_name, make_report, render
from pipeline.report.schedule import Delivery, DirectorySink, Entry, ReportSink, WebhookSink, next_run, parse_schedule
from pipeline.storage.backend import ClickHouse

log = logging.getLogger(__name__)


def sinks_from(settings: Settings) -> list[ReportSink]:
    """The sinks named in SOCIALLISTEN_REPORT_PUSH."""
    cfg = settings.report
    sinks: list[ReportSink] = []
    for name in (n.strip() for n in cfg.report_push.split(",") if n.strip()):
        if name == "dir":
            sinks.append(DirectorySink(cfg.report_dir or settings.data_dir / "reports"))
        elif name == "webhook":
            if settings.alerts.alert_webhook is None:
                raise ConfigError("SOCIALLISTEN_REPORT_PUSH: 'webhook' needs SOCIALLISTEN_ALERT_WEBHOOK")
            sinks.append(WebhookSink(settings.alerts.alert_webhook.get_secret_value()))
        else:
            raise ConfigError(f"SOCIALLISTEN_REPORT_PUSH: unknown place {name[:20]!r}: use dir and/or webhook")
    return sinks


def formats_from(settings: Settings) -> list[str]:
    """The formats named in SOCIALLISTEN_REPORT_FORMATS."""
    formats = [f.strip() for f in settings.report.report_formats.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        got = settings.report.report_formats[:40]
        raise ConfigError(f"SOCIALLISTEN_REPORT_FORMATS: use html, pdf and/or md (got {got!r})")
    return formats


def run_entry(ch: ClickHouse, settings: Settings, entry: Entry, at: datetime,
              sinks: Sequence[ReportSink]) -> Delivery:
    """Make the report ``entry`` makes at ``at``; push it to every sink (a failing one does not stop the rest)."""
    report = make_report(ch, settings, entry.period_at(at), settings.report.report_brand)
    files = {file_name(report, fmt): render(report, fmt) for fmt in formats_from(settings)}
    delivery = Delivery(title=report.period.title, period=report.period.label, brand=report.brand, files=files,
                        markdown=render(report, "md").decode("utf-8"))
    for sink in sinks:
        try:
            sink.push(delivery)
        except SocialListenError as exc:
            log.error("report %s not delivered to %s: %s", report.period.slug, sink.name, exc)
    return delivery


def run_schedule(ch: ClickHouse, settings: Settings, stop: threading.Event) -> None:
    """Until ``stop`` is set: sleep to the next run of SOCIALLISTEN_REPORT_SCHEDULE, make and push the report."""
    if not settings.report.report_schedule:
        raise ConfigError("SOCIALLISTEN_REPORT_SCHEDULE is not set: e.g. 'daily 00:30' or 'weekly mon 01:00' (UTC)")
    entries = parse_schedule(settings.report.report_schedule)
    sinks = sinks_from(settings)
    formats_from(settings)
    while not stop.is_set():
        at, entry = next_run(entries, datetime.now(UTC))
        log.info("next report: %s at %s", entry.kind, at.isoformat())
        if stop.wait(max(0.0, (at - datetime.now(UTC)).total_seconds())):
            return
        run_entry(ch, settings, entry, at, sinks)
