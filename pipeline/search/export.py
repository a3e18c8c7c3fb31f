"""Export a search's mentions, or a BI view, to CSV, XLSX, Parquet or JSON lines, streamed.

Rows are read :data:`BLOCK_ROWS` at a time (mentions by keyset on the search's order, a view by
``LIMIT offset, n`` over all its columns in order) and written as they come
(:mod:`pipeline.search.writers`), so memory stays flat however many rows there are.
:func:`export_to` writes into a file object; :func:`export_chunks` yields the bytes block by block
for an HTTP response (XLSX, a zip that exists only once complete, goes through a temporary file).
"""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, cast

from pipeline.errors import StorageError
from pipeline.search.models import Search
from pipeline.search.run import blocks, where
from pipeline.search.writers import Format, open_writer
from pipeline.storage import ClickHouse
from pipeline.storage.sql import identifier

log = logging.getLogger(__name__)

BLOCK_ROWS = 10_000
EXPORT_COLUMNS = (
    "event_id", "created_at", "platform", "kind", "thread_id", "author_id", "author_name", "author_followers",
    "text", "own_text", "brands", "competitors", "signals", "sentiment", "sentiment_score", "service_category",
    "priority", "purchase_intent", "buyer", "service_request", "reposts", "comments", "likes", "repost_depth",
)  # fmt: skip
"""The columns of a mentions export (times in UTC)."""

Progress = Callable[[int], None]
Source = Callable[[], Iterator[Sequence[dict[str, Any]]]]


class _Chunks(io.RawIOBase):
    """A write-only file object whose bytes are taken out after each block."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[bytes] = []
        self.pos = 0

    def write(self, data: Any) -> int:
        b = bytes(data)
        self.parts.append(b)
        self.pos += len(b)
        return len(b)

    def tell(self) -> int:
        return self.pos

    def writable(self) -> bool:
        return True

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def count(ch: ClickHouse, search: Search) -> int:
    """How many mentions the search finds (for a progress bar)."""
    cond, params = where(search)
    return int(ch.query(f"SELECT uniqExact(event_id) AS n FROM mentions WHERE {cond}", params)[0]["n"])


def mention_source(ch: ClickHouse, search: Search, block: int = BLOCK_ROWS) -> Source:
    """The blocks of a mentions export."""
    return lambda: blocks(ch, search, EXPORT_COLUMNS, block)


def views(ch: ClickHouse) -> list[str]:
    """The BI views of the database (any of them may be exported)."""
    rows = ch.query("SELECT name FROM system.tables WHERE database = currentDatabase() AND engine = 'View' "
                    "ORDER BY name")
    return [r["name"] for r in rows]


def view_columns(ch: ClickHouse, view: str) -> list[str]:
    """The columns of ``view``; StorageError when it is not one of :func:`views`."""
    if view not in views(ch):
        raise StorageError(f"no BI view called {view[:80]!r}")
    rows = ch.query("SELECT name FROM system.columns WHERE database = currentDatabase() AND table = %(t)s",
                    {"t": view})
    return [r["name"] for r in rows]


def view_source(ch: ClickHouse, view: str, columns: Sequence[str], block: int = BLOCK_ROWS) -> Source:
    """The blocks of a view, ordered by all its columns."""
    name = identifier(view)
    cols = ", ".join(f"`{identifier(c)}`" for c in columns)

    def gen() -> Iterator[Sequence[dict[str, Any]]]:
        offset = 0
        while True:
            rows = ch.query(f"SELECT {cols} FROM {name} ORDER BY {cols} LIMIT {offset}, {block}")
            if rows:
                yield rows
            if len(rows) < block:
                return
            offset += block

    return gen


def export_to(out: IO[bytes], source: Source, columns: Sequence[str], fmt: Format,
              progress: Progress | None = None) -> int:
    """Write every row of ``source`` to ``out`` in ``fmt``; the number of rows."""
    writer = open_writer(fmt, out, columns)
    done = 0
    for rows in source():
        writer.write(rows)
        done += len(rows)
        if progress is not None:
            progress(done)
    writer.close()
    log.info("exported %d rows as %s", done, fmt)
    return done


def export_chunks(source: Source, columns: Sequence[str], fmt: Format) -> Iterator[bytes]:
    """The file's bytes, a block at a time."""
    if fmt == "xlsx":
        with tempfile.TemporaryFile() as tmp:
            export_to(tmp, source, columns, fmt)
            tmp.seek(0)
            while chunk := tmp.read(1 << 20):
                yield chunk
        return
    out = _Chunks()
    writer = open_writer(fmt, cast(IO[bytes], out), columns)
    yield out.take()
    for rows in source():
        writer.write(rows)
        yield out.take()
    writer.close()
    yield out.take()
