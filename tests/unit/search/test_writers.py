"""Each export format written block by block and read back with its own reader."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest

from pipeline.search.export import export_chunks, export_to
from pipeline.search.writers import FORMATS, Format

COLUMNS = ["event_id", "created_at", "text", "brands", "likes", "score"]
ROWS: list[dict[str, Any]] = [
    {"event_id": f"weibo:{i}", "created_at": datetime(2026, 12, 1, 8, i % 60), "text": f"蒙牛特仑苏 第{i}条，质量不错",
     "brands": ["蒙牛", "伊利"] if i % 2 else [], "likes": i, "score": i / 3}
    for i in range(250)
]
ROWS[3]["text"] = "=HYPERLINK(\"http://x\")"


def _source(block: int = 40):  # type: ignore[no-untyped-def]
    return lambda: (ROWS[i : i + block] for i in range(0, len(ROWS), block))


def _write(fmt: Format) -> bytes:
    out = io.BytesIO()
    assert export_to(out, _source(), COLUMNS, fmt) == len(ROWS)
    return out.getvalue()


def test_csv_is_utf8_with_bom_and_defuses_formulas() -> None:
    data = _write("csv")
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(table) == len(ROWS)
    assert table[5]["text"] == "蒙牛特仑苏 第5条，质量不错" and table[5]["brands"] == "蒙牛|伊利"
    assert table[5]["created_at"] == "2026-12-01 08:05:00"
    assert table[3]["text"].startswith("'=")


def test_jsonl_keeps_lists_and_times() -> None:
    lines = [orjson.loads(x) for x in _write("jsonl").splitlines()]
    assert len(lines) == len(ROWS) and lines[1]["brands"] == ["蒙牛", "伊利"]
    assert lines[1]["created_at"].startswith("2026-12-01T08:01:00")


def test_parquet_has_a_row_group_per_block() -> None:
    data = _write("parquet")
    f = pq.ParquetFile(io.BytesIO(data))
    assert f.metadata.num_rows == len(ROWS) and f.metadata.num_row_groups == 7
    table = f.read().to_pylist()
    assert table[1]["brands"] == ["蒙牛", "伊利"] and table[5]["text"] == ROWS[5]["text"]


def test_xlsx_holds_the_chinese_text_as_strings() -> None:
    data = _write("xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "蒙牛特仑苏 第5条，质量不错" in sheet and "蒙牛|伊利" in sheet
    assert "<f>" not in sheet, "no cell becomes a formula"
    assert sheet.count("<row ") == len(ROWS) + 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_streamed_bytes_equal_the_file_and_empty_exports_are_valid(fmt: Format) -> None:
    streamed = b"".join(export_chunks(_source(), COLUMNS, fmt))
    if fmt != "xlsx":  # xlsx holds the time it was written
        assert streamed == _write(fmt)
    empty = io.BytesIO()
    assert export_to(empty, lambda: iter(()), COLUMNS, fmt) == 0
    if fmt == "parquet":
        assert pq.ParquetFile(io.BytesIO(empty.getvalue())).metadata.num_rows == 0
    if fmt == "csv":
        assert empty.getvalue().decode("utf-8-sig").strip() == ",".join(COLUMNS)
