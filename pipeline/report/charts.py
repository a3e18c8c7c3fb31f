"""The report's charts, drawn with matplotlib (Agg, no pyplot state) in a CJK font.

Each ``draw_*`` function draws on one Axes, so the HTML (one PNG per chart) and the PDF (several
charts on an A4 page) use the same drawings. :func:`cjk_style` finds a font with Chinese glyphs
through matplotlib's font manager and fails with the package to install when there is none.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cache
from typing import Any, cast

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pipeline.errors import SocialListenError
from pipeline.report.labels import SENTIMENT, WEEKDAY
from pipeline.report.models import Report

log = logging.getLogger(__name__)

CJK_FAMILIES = (
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
    "Source Han Sans CN", "Droid Sans Fallback", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC",
)
"""Families known to hold simplified Chinese, in order of preference."""

OWN_COLOR = "#c0392b"
COLORS = ("#c0392b", "#2e86c1", "#27ae60", "#8e44ad", "#f39c12", "#16a085", "#7f8c8d", "#d35400")
CURRENT, PREVIOUS = "#2e86c1", "#aab7c4"


class FontMissing(SocialListenError):
    """No font with Chinese glyphs is installed: the charts would show empty boxes."""


@cache
def cjk_family() -> str:
    """The first installed family of :data:`CJK_FAMILIES`; FontMissing naming the package otherwise."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            log.debug("report charts use the font %s", family)
            return family
    raise FontMissing(
        "no font with Chinese glyphs found for the report's charts (looked for "
        f"{', '.join(CJK_FAMILIES[:4])} ...): install one, e.g. 'apt-get install fonts-wqy-microhei' "
        "(Debian/Ubuntu), then run the command again"
    )


@contextmanager
def cjk_style() -> Iterator[None]:
    """Matplotlib settings for the block: the CJK font (DejaVu Sans for what it lacks), a plain style."""
    matplotlib.use("Agg", force=False)
    rc = {"font.family": [cjk_family(), "DejaVu Sans"], "axes.unicode_minus": False, "font.size": 9,
          "axes.spines.top": False, "axes.spines.right": False, "svg.fonttype": "none"}
    with matplotlib.rc_context(cast(Any, rc)):
        yield


def _bucket_labels(report: Report) -> list[str]:
    step, count = report.period.buckets
    if step == 3600:
        return [f"{h:02d}" for h in range(count)]
    days = [report.period.start + timedelta(days=i) for i in range(count)]
    return [f"{d:%m-%d}\n{WEEKDAY[d.weekday()]}" for d in days]


def draw_volume(ax: Axes, report: Report) -> None:
    """声量趋势: mentions per hour (day report) or per day (week report) of the leading brands."""
    labels = _bucket_labels(report)
    x = list(range(len(labels)))
    for i, s in enumerate(report.series):
        ax.plot(x, s.counts, marker="o", markersize=3, linewidth=2.2 if i == 0 else 1.3,
                color=COLORS[i % len(COLORS)], label=s.brand)
    ax.set_xticks(x, labels, fontsize=7 if len(x) > 7 else 8)
    unit = "小时 (UTC)" if report.period.kind == "day" else "日期"
    ax.set_title(f"声量趋势（按{unit}）")
    ax.set_ylabel("提及数")
    if report.series:
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    else:
        ax.text(0.5, 0.5, "本期无品牌提及", ha="center", va="center", transform=ax.transAxes)


def draw_share(ax: Axes, report: Report) -> None:
    """声量份额: share of all brand mentions per brand, this period beside the previous one."""
    rows = list(reversed(report.share_of_voice))
    y = list(range(len(rows)))
    ax.barh([v - 0.2 for v in y], [r.share * 100 for r in rows], height=0.4, label="本期",
            color=[OWN_COLOR if r.own else CURRENT for r in rows])
    ax.barh([v + 0.2 for v in y], [r.previous_share * 100 for r in rows], height=0.4, label="上期",
            color=PREVIOUS)
    ax.set_yticks(y, [r.brand for r in rows])
    for v, r in zip(y, rows, strict=True):
        ax.text(r.share * 100, v - 0.2, f" {r.share * 100:.1f}%", va="center", fontsize=7)
    ax.set_xlabel("份额 (%)")
    ax.set_title("声量份额（对比竞品）")
    ax.legend(loc="lower right", fontsize=8, frameon=False)


def _paired_bars(ax: Axes, names: list[str], current: list[int], previous: list[int], title: str) -> None:
    x = list(range(len(names)))
    ax.bar([v - 0.2 for v in x], current, width=0.4, color=CURRENT, label="本期")
    ax.bar([v + 0.2 for v in x], previous, width=0.4, color=PREVIOUS, label="上期")
    for v, n in zip(x, current, strict=True):
        ax.text(v - 0.2, n, str(n), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, names)
    ax.set_title(title)
    ax.legend(fontsize=8, frameon=False)


def draw_sentiment(ax: Axes, report: Report) -> None:
    """情感分布: positive, neutral and negative mentions, this period and the previous one."""
    keys = list(report.sentiment)
    _paired_bars(ax, [SENTIMENT.get(k, k) for k in keys], [report.sentiment[k].current for k in keys],
                 [report.sentiment[k].previous for k in keys], "情感分布（本期 vs 上期）")


def draw_signals(ax: Axes, report: Report) -> None:
    """买家与客服请求: buyers, service requests and purchase intent, this period and the previous one."""
    trends = [report.buyers, report.service_requests, report.purchase_intent, report.desk.opened]
    _paired_bars(ax, ["买家", "客服请求", "购买意向", "新工单"], [t.current for t in trends],
                 [t.previous for t in trends], "买家与客服请求（本期 vs 上期）")


Drawing = Callable[[Axes, Report], None]
CHARTS: dict[str, tuple[str, Drawing]] = {
    "volume": ("声量趋势", draw_volume),
    "share": ("声量份额", draw_share),
    "sentiment": ("情感分布", draw_sentiment),
    "signals": ("买家与客服请求", draw_signals),
}
"""Every chart: name -> (Chinese caption, drawing)."""


def chart_png(name: str, report: Report, *, dpi: int = 110) -> bytes:
    """One chart of :data:`CHARTS` as PNG bytes (call inside :func:`cjk_style`)."""
    fig = Figure(figsize=(7.5, 3.4), layout="constrained")
    CHARTS[name][1](fig.add_subplot(), report)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
