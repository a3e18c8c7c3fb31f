"""One report, end to end: which brand and day by default, the data, and the chosen format as bytes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from pipeline.config import Settings
from pipeline.errors import ConfigError
from pipeline.report.data import build_report, latest_day
from pipeline.report.models import Report
from pipeline.report.period import Period, PeriodKind
from pipeline.storage.backend import ClickHouse
from pipeline.text.lexicon import load_lexicon

Format = Literal["html", "pdf", "md"]
FORMATS: tuple[Format, ...] = ("html", "pdf", "md")


def own_brands(settings: Settings) -> tuple[str, ...]:
    """The lexicon's own brands (the first is a report's default brand)."""
    return load_lexicon(settings.resolved_lexicon).own_brands


def period_for(ch: ClickHouse, kind: PeriodKind, day: date | None) -> Period:
    """The period of ``kind`` holding ``day``; unset: holding the newest stored mention (else today, UTC)."""
    if day is not None:
        return Period.containing(kind, day)
    return Period.containing(kind, latest_day(ch) or datetime.now(UTC).date())


def make_report(ch: ClickHouse, settings: Settings, period: Period, brand: str | None) -> Report:
    """The report on ``period`` for ``brand`` (None: the lexicon's own brand; '' = every mention)."""
    own = own_brands(settings)
    return build_report(ch, period, own[0] if brand is None and own else (brand or ""), own,
                        attribution_days=settings.tracking.attribution_days)


def render(report: Report, fmt: str) -> bytes:
    """``report`` in ``fmt`` (html, pdf or md) as the bytes of a file."""
    if fmt == "html":
        from pipeline.report.html import render_html

        return render_html(report).encode("utf-8")
    if fmt == "md":
        from pipeline.report.markdown import render_markdown

        return render_markdown(report).encode("utf-8")
    if fmt == "pdf":
        from pipeline.report.pdf import render_pdf

        return render_pdf(report)
    raise ConfigError(f"report format {fmt[:20]!r}: use one of {', '.join(FORMATS)}")


def file_name(report: Report, fmt: str) -> str:
    """``report-day-2024-06-17-蒙牛.pdf`` and the like (the brand only when there is one)."""
    brand = "".join(ch for ch in report.brand if ch.isalnum())[:40]
    return f"report-{report.period.slug}{'-' + brand if brand else ''}.{fmt}"
