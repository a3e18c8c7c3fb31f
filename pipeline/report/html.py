"""The report as one self-contained HTML page: charts as ``data:`` PNGs, every text autoescaped (Jinja2)."""

from __future__ import annotations

import base64
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from pipeline.report import labels
from pipeline.report.charts import CHARTS, chart_png, cjk_style
from pipeline.report.models import Report
from pipeline.report.period import Trend


@cache
def _environment() -> Environment:
    # autoescape for every template: names, posts and alert texts come from the stream
    return Environment(loader=PackageLoader("pipeline.report", "templates"), autoescape=select_autoescape(
        default=True, default_for_string=True), undefined=StrictUndefined, keep_trailing_newline=True)


def kpis(report: Report) -> list[tuple[str, Trend]]:
    """The headline numbers, named in Chinese."""
    return [("提及", report.mentions), ("买家", report.buyers), ("客服请求", report.service_requests),
            ("购买意向", report.purchase_intent), ("负面", report.sentiment["negative"]),
            ("新工单", report.desk.opened)]


def data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for ``png``."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_html(report: Report) -> str:
    """The report as an HTML document (UTF-8 text)."""
    with cjk_style():
        charts = [(name, caption, data_uri(chart_png(name, report))) for name, (caption, _) in CHARTS.items()]
    template = _environment().get_template("report.html.j2")
    return template.render(r=report, charts=charts, kpis=kpis(report), zh=labels.zh, CATEGORY=labels.CATEGORY,
                           PLATFORM=labels.PLATFORM, SENTIMENT=labels.SENTIMENT, SIGNAL=labels.SIGNAL)
