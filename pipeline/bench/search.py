"""Search latency on 100,000 sample mentions, on chDB and on clickhouse-server 18.16 (acceptance 1 of issue 24).

    python -m pipeline.bench.search [--rows 100000] [--distinct 20000] [--backend both|chdb|server] [--repeat 5]

Fills a fresh database with ``--rows`` mentions: ``--distinct`` sample events through the worker's
pure functions (decode, validate, analyse, row mapping), the rest copies of them under new ids and
shifted times (:func:`pipeline.search.sample_rows.fill`), over 14 days. Then times the search the
``/search`` page sends first: a boolean query with two field filters over the last 7 days, its
first page (50 hits) and its counts by day, brand and platform, what ``GET /api/mentions`` runs.
The first run is reported apart (cold), then the median and the slowest of ``--repeat`` runs.
Prints one line per figure; the target is under 1 s.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.config import Settings
from pipeline.local.clickhouse_server import ClickHouseServer
from pipeline.search import run
from pipeline.search.models import Search
from pipeline.search.sample_rows import fill
from pipeline.storage import ClickHouse, connect
from pipeline.storage.migrate import migrate
from pipeline.text import TextAnalyzer, get_analyzer

QUERY = '(牛奶 OR 质量 OR 物流 OR "不错") AND NOT 广告 AND platform:weibo AND kind:post'
"""The benchmark's query: words, a phrase, OR, NOT and two field filters."""


def time_search(ch: ClickHouse, search: Search, repeat: int) -> tuple[float, list[float], int, int]:
    """Seconds of the cold run, of each warm run, the hits on the first page and the total count."""
    times = []
    hits = total = 0
    for _ in range(repeat + 1):
        start = time.perf_counter()
        page = run.page(ch, search, limit=50)
        counts = run.counts(ch, search)
        times.append(time.perf_counter() - start)
        hits, total = len(page.hits), counts.total
    return times[0], times[1:], hits, total


def bench(label: str, ch: ClickHouse, analyzer: TextAnalyzer, args: argparse.Namespace) -> None:
    """Fill ``ch`` and print its figures."""
    end = datetime.now(UTC).replace(microsecond=0)
    start = time.perf_counter()
    rows = fill(ch, args.rows, analyzer, distinct=args.distinct, end=end, days=14.0)
    filled = time.perf_counter() - start
    search = Search(q=QUERY, from_=end - timedelta(days=7), to=end)
    cold, warm, hits, total = time_search(ch, search, args.repeat)
    print(f"{label}: {rows:,} mentions (filled in {filled:.1f} s); query {QUERY!r}, last 7 days: "
          f"{total:,} hits, first page {hits}")
    print(f"  first page + counts: cold {cold:.3f} s, median {statistics.median(warm):.3f} s, "
          f"slowest {max(warm):.3f} s over {len(warm)} runs (target < 1 s)")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="mentions in the database (default 100000)")
    parser.add_argument("--distinct", type=int, default=20_000, help="of which analysed events (default 20000)")
    parser.add_argument("--backend", choices=("both", "chdb", "server"), default="both")
    parser.add_argument("--repeat", type=int, default=5, help="warm runs (default 5)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    analyzer = get_analyzer(Settings().resolved_lexicon)
    root = Path(tempfile.mkdtemp(prefix="bench-search-"))
    if args.backend in ("both", "chdb"):
        ch = connect(f"chdb://{root / 'chdb'}")
        migrate(ch)
        bench(f"chDB {'.'.join(map(str, ch.server_version))}", ch, analyzer, args)
        ch.close()
    if args.backend in ("both", "server"):
        server = ClickHouseServer.launch(lambda: Path(tempfile.mkdtemp(dir=root)))
        try:
            ch = connect(server.url(f"bench_{uuid.uuid4().hex[:6]}"))
            migrate(ch)
            bench(f"clickhouse-server {'.'.join(map(str, ch.server_version))}", ch, analyzer, args)
            ch.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
