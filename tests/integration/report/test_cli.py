"""``sociallisten report`` on the demo data: the PDF's first page shows the charts in a CJK font; the HTML parses.

The PDF is turned into PNG with poppler's ``pdftoppm`` (Makefile test-deps installs poppler-utils).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import html5lib
import pytest
from PIL import Image
from typer.testing import CliRunner

from pipeline.cli import _register, app
from tests.integration.report.conftest import DemoDB

pytestmark = pytest.mark.integration


def _run(demo_db: DemoDB, *args: str) -> str:
    _register()
    result = CliRunner().invoke(app, ["report", *args], env={"SOCIALLISTEN_CLICKHOUSE_URL": demo_db.url})
    assert result.exit_code == 0, result.output
    return result.output


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: apt-get install poppler-utils (make test-deps does)", pytrace=False)
    return path


@pytest.mark.parametrize("demo_db", ["chdb"], indirect=True)  # the drawing does not depend on the backend
def test_pdf_day_report_shows_charts_with_chinese_labels(demo_db: DemoDB, scratch: Path) -> None:
    out = scratch / "r.pdf"
    assert "舆情日报 2024-06-17" in _run(demo_db, "--period", "day", "--format", "pdf", "--out", str(out))
    fonts = subprocess.run([_tool("pdffonts"), str(out)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts or "Noto" in fonts, fonts  # the labels are drawn in a CJK font
    subprocess.run([_tool("pdftoppm"), "-png", "-r", "50", "-f", "1", "-l", "1", str(out), str(scratch / "page")],
                   check=True)
    (png,) = scratch.glob("page*.png")
    page = Image.open(png).convert("L")
    width, height = page.size
    ink = sum(1 for v in page.getdata() if v < 200)
    assert ink > 0.03 * width * height  # not blank
    # the volume chart sits below the header, in the second fifth to the middle of the page
    chart = page.crop((0, int(height * 0.2), width, int(height * 0.55)))
    chart_ink = sum(1 for v in chart.getdata() if v < 200)
    assert chart_ink > 0.03 * chart.size[0] * chart.size[1]
    colours = Image.open(png).convert("RGB").crop((0, int(height * 0.2), width, int(height * 0.55)))
    red = sum(1 for r, g, b in colours.getdata() if r > 150 and g < 100 and b < 100)
    assert red > 200  # the own brand's line (#c0392b)


def test_html_and_md(demo_db: DemoDB, scratch: Path) -> None:
    html = scratch / "r.html"
    _run(demo_db, "--period", "week", "--date", "2024-06-16", "--format", "html", "--out", str(html))
    page = html.read_text(encoding="utf-8")
    html5lib.HTMLParser(strict=True).parse(page)
    assert "舆情周报" in page and "2024-06-10 – 2024-06-16" in page and "data:image/png;base64," in page
    md = scratch / "r.md"
    _run(demo_db, "--period", "day", "--brand", "伊利", "--format", "md", "--out", str(md))
    assert md.read_text(encoding="utf-8").startswith("# 舆情日报：2024-06-17")


@pytest.mark.parametrize("demo_db", ["chdb"], indirect=True)
def test_bad_options_fail_clearly(demo_db: DemoDB) -> None:
    _register()
    for args, message in ((["--period", "month"], "--period"), (["--format", "docx"], "--format"),
                          (["--date", "yesterday"], "YYYY-MM-DD")):
        result = CliRunner().invoke(app, ["report", *args], env={"SOCIALLISTEN_CLICKHOUSE_URL": demo_db.url})
        assert result.exit_code != 0 and message in str(result.exception)
