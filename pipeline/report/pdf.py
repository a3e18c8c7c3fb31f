"""The report as a PDF: A4 pages drawn by matplotlib (charts, then tables) and written by its PdfPages.

No second PDF toolkit and no system libraries: the pages use the same drawings as the HTML and
the same CJK font, embedded as glyph subsets.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import cast

from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure, SubFigure

from pipeline.report import labels
from pipeline.report.charts import cjk_style, draw_sentiment, draw_share, draw_signals, draw_volume
from pipeline.report.html import kpis
from pipeline.report.models import Report

A4 = (8.27, 11.69)
CELL_CHARS = 34
TREND_COLORS = {"up": "#c0392b", "new": "#c0392b", "down": "#27ae60", "flat": "#777777"}


def _cut(text: str, limit: int = CELL_CHARS) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def _table(ax: Axes, title: str, header: Sequence[str], rows: Sequence[Sequence[str]],
           widths: Sequence[float]) -> None:
    ax.axis("off")
    ax.set_title(title, loc="left", fontsize=11)
    if not rows:
        ax.text(0, 0.9, "无", transform=ax.transAxes)
        return
    table = ax.table(cellText=[list(r) for r in rows], colLabels=list(header), colWidths=list(widths),
                     loc="upper center", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    table.scale(1, 1.25)


def _save(pdf: PdfPages, fig: Figure) -> None:
    pdf.savefig(fig)  # type: ignore[no-untyped-call]  # matplotlib leaves PdfPages.savefig untyped


def _page(pdf: PdfPages, rows: int) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=A4, layout="constrained")
    axes = [fig.add_subplot(rows, 1, i + 1) for i in range(rows)]
    return fig, axes


def _overview(pdf: PdfPages, r: Report) -> None:
    fig = Figure(figsize=A4, layout="constrained")
    top, volume, share = cast(Sequence[SubFigure], fig.subfigures(3, 1, height_ratios=[1.0, 2.2, 2.2]))
    top.text(0.02, 0.8, f"{r.period.title}：{r.period.label}", fontsize=18)
    top.text(0.02, 0.58, f"品牌：{r.brand or '全部'}  ·  对比上期：{r.previous.label}  ·  时间为 UTC", fontsize=9)
    for i, (name, t) in enumerate(kpis(r)):
        x = 0.02 + i * 0.165
        top.text(x, 0.3, name, fontsize=9)
        top.text(x, 0.08, str(t.current), fontsize=16)
        top.text(x + 0.07, 0.08, t.text, fontsize=8, color=TREND_COLORS[t.direction])
    draw_volume(volume.add_subplot(), r)
    draw_share(share.add_subplot(), r)
    _save(pdf, fig)


def _charts(pdf: PdfPages, r: Report) -> None:
    fig, (sentiment, signals, categories) = _page(pdf, 3)
    draw_sentiment(sentiment, r)
    draw_signals(signals, r)
    _table(categories, "客服请求分类", ["分类", "本期", "上期", "环比"],
           [[labels.zh(labels.CATEGORY, k), str(t.current), str(t.previous), t.text]
            for k, t in r.service_categories.items()], [0.4, 0.2, 0.2, 0.2])
    _save(pdf, fig)


def _people(pdf: PdfPages, r: Report) -> None:
    fig, (posts, authors) = _page(pdf, 2)
    zh = labels.zh
    _table(posts, "热门内容", ["时间", "平台", "作者", "内容", "互动"],
           [[f"{p.created_at:%m-%d %H:%M}", zh(labels.PLATFORM, p.platform), _cut(p.author_name, 10), _cut(p.text),
             str(p.engagement)] for p in r.top_posts], [0.12, 0.08, 0.15, 0.55, 0.1])
    _table(authors, "活跃作者", ["作者", "平台", "粉丝", "提及", "互动"],
           [[_cut(a.author_name, 16), zh(labels.PLATFORM, a.platform), str(a.followers), str(a.mentions),
             str(a.engagement)] for a in r.top_authors], [0.4, 0.15, 0.15, 0.15, 0.15])
    _save(pdf, fig)


def _spread(pdf: PdfPages, r: Report) -> None:
    fig, (cascades, alerts, desk) = _page(pdf, 3)
    _table(cascades, f"转发传播与疑似水军（疑似人为放大：{r.amplified_cascades}）",
           ["原帖作者", "原帖", "规模", "深度", "可疑占比", "疑似放大"],
           [[_cut(c.root_author, 10), _cut(c.root_text, 28), str(c.size), str(c.max_depth), f"{c.suspect_share:.0%}",
             "是" if c.suspected_amplification else "否"] for c in r.cascades], [0.14, 0.46, 0.1, 0.1, 0.1, 0.1])
    _table(alerts, "突增预警", ["时间", "品牌", "信号", "数量", "级别", "说明"],
           [[f"{a.fired_at:%m-%d %H:%M}", _cut(a.brand, 8) or "全部", labels.zh(labels.SIGNAL, a.signal),
             str(a.count), _cut(a.severity, 8), _cut(a.explanation, 30)] for a in r.alerts[:20]],
           [0.12, 0.1, 0.12, 0.08, 0.1, 0.48])
    d = r.desk
    response = f"{d.avg_first_response_minutes:.0f}" if d.avg_first_response_minutes is not None else "—"
    _table(desk, "客服工单与 SLA", ["指标", "数值"], [
        ["本期新工单", f"{d.opened.current}（上期 {d.opened.previous}，{d.opened.text}）"],
        ["已首次回复 / 已解决", f"{d.answered} / {d.resolved}"], ["平均首次回复（分钟）", response],
        ["首次回复超时 / 解决超时", f"{d.first_response_breaches} / {d.resolution_breaches}"],
        ["期末积压 / 其中逾期", f"{d.backlog} / {d.overdue}"]], [0.5, 0.5])
    _save(pdf, fig)


def _campaigns(pdf: PdfPages, r: Report) -> None:
    if not r.campaigns:
        return
    fig, (table,) = _page(pdf, 1)
    _table(table, "营销活动转化（点击 → 访客 → 订单）",
           ["活动", "点击", "访客", "深度访客", "停留中位数（秒）", "订单", "销售额"],
           [[_cut(c.key, 16), str(c.clicks), str(c.visitors), str(c.engaged_visitors),
             f"{c.median_seconds_on_site:.0f}" if c.median_seconds_on_site is not None else "—", str(c.orders),
             f"{c.revenue:,.2f}"] for c in r.campaigns[:20]], [0.25, 0.1, 0.1, 0.12, 0.15, 0.1, 0.18])
    _save(pdf, fig)


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes: overview with the volume and share charts, sentiment, people, spread."""
    buf = io.BytesIO()
    with cjk_style():
        with PdfPages(buf, metadata={"Title": f"{report.period.title} {report.period.label}",
                                     "Creator": "sociallisten"}) as pdf:
            for page in (_overview, _charts, _people, _spread, _campaigns):
                page(pdf, report)
    return buf.getvalue()
