"""The report as Markdown (no charts: tables and numbers), every text from the stream escaped."""

from __future__ import annotations

import html
import re

from pipeline.report import labels
from pipeline.report.html import kpis
from pipeline.report.models import Report

_SPECIAL = re.compile(r"([\\`*_\[\]{}()#+\-.!|~])")  # < > & are left to html.escape
_SPACE = re.compile(r"\s+")


def md_escape(text: str) -> str:
    """``text`` safe in a Markdown table cell: one line, Markdown punctuation and HTML neutralised."""
    return html.escape(_SPECIAL.sub(r"\\\1", _SPACE.sub(" ", text).strip()), quote=False)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return ["无", ""]
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out + [""]


def render_markdown(report: Report) -> str:
    """The report as a Markdown document."""
    r = report

    def zh(table: dict[str, str], code: str) -> str:
        return md_escape(labels.zh(table, code))

    out = [f"# {r.period.title}：{r.period.label}", "",
           f"品牌：{md_escape(r.brand) or '全部'} · 对比上期：{r.previous.label} · 时间为 UTC · "
           f"生成于 {r.generated_at:%Y-%m-%d %H:%M} UTC", "", "## 概览", ""]
    out += _table(["指标", "本期", "上期", "环比"],
                  [[name, str(t.current), str(t.previous), t.text] for name, t in kpis(r)])
    out += ["## 声量份额", ""] + _table(
        ["品牌", "本期提及", "份额", "上期份额", "环比"],
        [[md_escape(v.brand) + ("（本品牌）" if v.own else ""), str(v.volume.current), f"{v.share:.1%}",
          f"{v.previous_share:.1%}", v.volume.text] for v in r.share_of_voice])
    out += ["## 情感与客服请求分类", ""] + _table(
        ["类别", "本期", "上期", "环比"],
        [[zh(labels.SENTIMENT, k), str(t.current), str(t.previous), t.text] for k, t in r.sentiment.items()]
        + [[zh(labels.CATEGORY, k), str(t.current), str(t.previous), t.text]
           for k, t in r.service_categories.items()])
    out += ["## 热门内容", ""] + _table(
        ["时间", "平台", "作者", "内容", "互动", "情感"],
        [[f"{p.created_at:%m-%d %H:%M}", zh(labels.PLATFORM, p.platform), md_escape(p.author_name),
          md_escape(p.text), str(p.engagement), zh(labels.SENTIMENT, p.sentiment)] for p in r.top_posts])
    out += ["## 活跃作者", ""] + _table(
        ["作者", "平台", "粉丝", "提及", "互动"],
        [[md_escape(a.author_name), zh(labels.PLATFORM, a.platform), str(a.followers), str(a.mentions),
          str(a.engagement)] for a in r.top_authors])
    out += ["## 转发传播与疑似水军", "", f"本期疑似人为放大的传播：{r.amplified_cascades}", ""] + _table(
        ["原帖作者", "原帖", "规模", "深度", "可疑账号占比", "疑似放大"],
        [[md_escape(c.root_author), md_escape(c.root_text), str(c.size), str(c.max_depth),
          f"{c.suspect_share:.0%}", "是" if c.suspected_amplification else "否"] for c in r.cascades])
    out += ["## 突增预警", ""] + _table(
        ["时间", "品牌", "信号", "数量", "级别", "说明"],
        [[f"{a.fired_at:%m-%d %H:%M}", md_escape(a.brand) or "全部", zh(labels.SIGNAL, a.signal), str(a.count),
          md_escape(a.severity), md_escape(a.explanation)] for a in r.alerts])
    if r.campaigns:
        out += ["## 营销活动转化（点击 → 访客 → 订单）", ""] + _table(
            ["活动", "点击", "访客", "深度访客（≥10 秒）", "停留中位数（秒）", "订单", "销售额"],
            [[md_escape(c.key), str(c.clicks), str(c.visitors), str(c.engaged_visitors),
              _seconds(c.median_seconds_on_site), str(c.orders), f"{c.revenue:,.2f}"] for c in r.campaigns])
    d = r.desk
    response = f"{d.avg_first_response_minutes:.0f}" if d.avg_first_response_minutes is not None else "—"
    out += ["## 客服工单与 SLA", ""] + _table(["指标", "数值"], [
        ["本期新工单", f"{d.opened.current}（上期 {d.opened.previous}，{d.opened.text}）"],
        ["已首次回复 / 已解决", f"{d.answered} / {d.resolved}"], ["平均首次回复（分钟）", response],
        ["首次回复超时 / 解决超时", f"{d.first_response_breaches} / {d.resolution_breaches}"],
        ["期末积压 / 其中逾期", f"{d.backlog} / {d.overdue}"]])
    return "\n".join(out)


def _seconds(value: float | None) -> str:
    return f"{value:.0f}" if value is not None else "—"
