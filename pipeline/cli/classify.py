"""``sociallisten classify``: JSON lines in on stdin, one classification per line out on stdout.

Input lines are the project's events (``schemas/events.py``: ``id``, ``text``, optional
``title``) or bare objects with ``id`` and ``text``. Output lines are
:meth:`pipeline.text.Analysis.classify_record` objects in input order; a line that cannot
be classified gives ``{"line": N, "error": "reason"}`` (N counts from 1) and processing
continues. Lines are analysed in batches; the rate goes to stderr at the end. Exit status
is 0 even with bad lines (2 when the lexicon cannot be loaded).
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import typer

from pipeline.cli import app
from pipeline.cli.analyzer import load_analyzer
from pipeline.text import TextAnalyzer

BATCH = 1000


@dataclass(frozen=True, slots=True)
class Item:
    """One input line: a valid event (``id``/``text``/``title``) or an error."""

    line: int
    id: str = ""
    text: str = ""
    title: str = ""
    error: str | None = None


class _Invalid(Exception):
    """Why an input line cannot be classified (the message is the line's ``error``)."""


def parse_line(line_no: int, raw: bytes) -> Item:
    """Validate one input line (bytes without the newline)."""
    try:  # the usual valid line in one step (orjson checks the UTF-8 itself)
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        obj = None
    if type(obj) is dict:
        ident, text, title = obj.get("id"), obj.get("text"), obj.get("title")
        if type(ident) is str and type(text) is str and (title is None or type(title) is str):
            if ident.strip() and text.strip():
                return Item(line_no, ident, text, title or "")
    return _checked(line_no, raw)


def _checked(line_no: int, raw: bytes) -> Item:
    """:func:`parse_line` step by step, which names what is wrong with the line."""
    try:
        obj = _json_object(raw)
        ident = _required_string(obj, "id")
        text = _required_string(obj, "text")
        title = _optional_string(obj, "title")
    except _Invalid as exc:
        return Item(line_no, error=str(exc))
    return Item(line_no, ident, text, title)


def _json_object(raw: bytes) -> dict[str, Any]:
    """Decode the line as one JSON object; _Invalid if it is bad UTF-8, empty, bad JSON or not an object."""
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Invalid(f"invalid UTF-8 at byte {exc.start}") from None
    if not decoded.strip():
        raise _Invalid("empty line")
    try:
        obj: Any = orjson.loads(decoded)
    except orjson.JSONDecodeError as exc:
        raise _Invalid(f"invalid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise _Invalid(f"not a JSON object (got {type(obj).__name__})")
    return obj


def _required_string(obj: dict[str, Any], name: str) -> str:
    """The non-blank string field ``name``; _Invalid if it is missing (or null), not a string or blank."""
    value = obj.get(name)
    if value is None:
        raise _Invalid(f"missing {name}")
    if not isinstance(value, str):
        raise _Invalid(f"{name} must be a string (got {type(value).__name__})")
    if not value.strip():
        raise _Invalid(f"empty {name}")
    return value


def _optional_string(obj: dict[str, Any], name: str) -> str:
    """The string field ``name``, "" when missing or null; _Invalid if it is not a string."""
    value = obj.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Invalid(f"{name} must be a string (got {type(value).__name__})")
    return value


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    for raw in stream:
        yield raw.rstrip(b"\r\n")


def classify_stream(
    analyzer: TextAnalyzer, lines: Iterable[bytes], out: BinaryIO, batch: int = BATCH
) -> tuple[int, int]:
    """Classify JSON lines into ``out``; returns (lines read, bad lines)."""
    pending: list[Item] = []
    valid = 0
    total = errors = 0

    def flush() -> None:
        nonlocal valid
        ok = [it for it in pending if it.error is None]
        titles = [it.title for it in ok] if any(it.title for it in ok) else None
        analyses = iter(analyzer.analyze_batch([it.text for it in ok], titles=titles)) if ok else iter(())
        chunks: list[bytes] = []
        for it in pending:
            if it.error is not None:
                record: dict[str, Any] = {"line": it.line, "error": it.error}
            else:
                record = next(analyses).classify_record(it.id)
            chunks.append(orjson.dumps(record))
        if chunks:
            out.write(b"\n".join(chunks) + b"\n")
            out.flush()
        pending.clear()
        valid = 0

    for line_no, raw in enumerate(lines, start=1):
        item = parse_line(line_no, raw)
        total += 1
        if item.error is not None:
            errors += 1
        else:
            valid += 1
        pending.append(item)
        if valid >= batch:
            flush()
    flush()
    return total, errors


@contextmanager
def _few_collections() -> Iterator[None]:
    """Fewer garbage collections while classifying (the collector's settings are restored afterwards).

    The analyzer's tables live as long as the process: frozen out of the collector's sight, they
    are not traversed again by every full collection while the batches allocate. A batch's objects
    are freed by reference counting: a young generation of 50,000 objects (not 700) spares most
    collections. Together about a sixth of the classify loop's CPU time (docs/text.md "Speed").
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


@app.command("classify")
def classify(
    lexicon: Path | None = typer.Option(
        None, "--lexicon", help="Brand lexicon YAML (default: SOCIALLISTEN_LEXICON or the bundled demo lexicon)."
    ),
    batch: int = typer.Option(BATCH, "--batch", min=1, help="Lines analysed per batch."),
) -> None:
    """Classify JSON lines from stdin (events or {"id", "text"} objects) into JSON lines on stdout."""
    analyzer = load_analyzer(lexicon)
    with _few_collections():
        start = time.perf_counter()
        total, errors = classify_stream(analyzer, _lines(sys.stdin.buffer), sys.stdout.buffer, batch)
        seconds = time.perf_counter() - start
    rate = total / seconds if seconds > 0 else float("inf")
    typer.echo(f"classified {total} lines ({errors} errors) in {seconds:.2f} s: {rate:,.0f} lines/s", err=True)
