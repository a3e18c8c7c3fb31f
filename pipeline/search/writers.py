"""Incremental file writers for exports: CSV (UTF-8 with BOM), JSON lines, Parquet and XLSX.

Each writer takes blocks of rows (dicts of Python values) and writes them to a binary file
object as they come, holding no more than one block: CSV and JSON lines write text, Parquet one
row group per block (pyarrow), XLSX through xlsxwriter's ``constant_memory`` mode (each row is
flushed to a temporary file as soon as the next one starts; the zip is assembled at ``close``).

CSV is UTF-8 with a byte-order mark, so Excel opens Chinese text correctly; a cell that starts
with ``= + - @`` gets a leading ``'`` (spreadsheets would otherwise run it as a formula). Lists
(brands, signals) are joined with ``|`` in CSV and XLSX and stay lists in JSON lines and Parquet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import IO, Any, Literal, Protocol

import orjson

Format = Literal["csv", "xlsx", "parquet", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "parquet", "jsonl")
MEDIA_TYPES: dict[Format, str] = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_MAX_ROWS = 1_048_575
"""Data rows per worksheet (Excel's limit less the header); more go on the next sheet."""
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


class Writer(Protocol):
    """Writes blocks of rows to a file object."""

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append rows."""
        ...

    def close(self) -> None:
        """Finish the file (the file object itself stays open)."""
        ...


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "|".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return ""
    return value


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


class CsvWriter:
    """CSV, UTF-8 with BOM, a header row."""

    def __init__(self, out: IO[bytes], columns: Sequence[str]) -> None:
        """Write the BOM and the header."""
        self.out, self.columns = out, list(columns)
        self._text = io.StringIO()
        self._csv = csv.writer(self._text, lineterminator="\r\n")
        self._csv.writerow(self.columns)
        out.write(b"\xef\xbb\xbf" + self._drain())

    def _drain(self) -> bytes:
        data = self._text.getvalue().encode("utf-8")
        self._text.seek(0)
        self._text.truncate()
        return data

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append rows."""
        for row in rows:
            self._csv.writerow([_safe(_cell(row[c])) for c in self.columns])
        self.out.write(self._drain())

    def close(self) -> None:
        """Nothing buffered."""


class JsonlWriter:
    """One JSON object per line (UTF-8, times in ISO 8601)."""

    def __init__(self, out: IO[bytes], columns: Sequence[str]) -> None:
        """Nothing to write before the rows."""
        self.out, self.columns = out, list(columns)

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append rows."""
        opt = orjson.OPT_APPEND_NEWLINE | orjson.OPT_NAIVE_UTC
        self.out.write(b"".join(orjson.dumps({c: row[c] for c in self.columns}, option=opt) for row in rows))

    def close(self) -> None:
        """Nothing buffered."""


class ParquetWriter:
    """Parquet, one row group per block; the schema is taken from the first block."""

    def __init__(self, out: IO[bytes], columns: Sequence[str]) -> None:
        """Opened at the first block."""
        self.out, self.columns = out, list(columns)
        self._writer: Any = None

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append a row group."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pydict({c: [r[c] for r in rows] for c in self.columns})
        if self._writer is not None and not rows:
            return
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.out, table.schema, compression="zstd")
        else:
            table = table.cast(self._writer.schema)
        self._writer.write_table(table)

    def close(self) -> None:
        """Write the footer (no rows: a file of the columns, typed null)."""
        if self._writer is None:
            self.write([{c: None for c in self.columns}][:0] or [])
        self._writer.close()


class XlsxWriter:
    """XLSX through xlsxwriter in constant-memory mode; a new sheet every :data:`XLSX_MAX_ROWS` rows."""

    def __init__(self, out: IO[bytes], columns: Sequence[str]) -> None:
        """A workbook writing into ``out`` at close."""
        import xlsxwriter

        self.columns = list(columns)
        self._book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                               "strings_to_urls": False, "strings_to_numbers": False})
        self._sheet: Any = None
        self._row = XLSX_MAX_ROWS + 1
        self._sheets = 0

    def _next_sheet(self) -> None:
        self._sheets += 1
        self._sheet = self._book.add_worksheet(f"mentions{self._sheets if self._sheets > 1 else ''}")
        self._sheet.write_row(0, 0, self.columns)
        self._row = 1

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append rows."""
        for row in rows:
            if self._row > XLSX_MAX_ROWS:
                self._next_sheet()
            self._sheet.write_row(self._row, 0, [_cell(row[c]) for c in self.columns])
            self._row += 1

    def close(self) -> None:
        """Assemble the workbook into the file object."""
        if self._sheet is None:
            self._next_sheet()
        self._book.close()


def open_writer(fmt: Format, out: IO[bytes], columns: Sequence[str]) -> Writer:
    """A writer of ``fmt`` onto ``out``."""
    kinds: dict[str, type[CsvWriter | JsonlWriter | ParquetWriter | XlsxWriter]] = {
        "csv": CsvWriter, "jsonl": JsonlWriter, "parquet": ParquetWriter, "xlsx": XlsxWriter}
    return kinds[fmt](out, columns)
