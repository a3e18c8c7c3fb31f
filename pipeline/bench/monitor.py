"""Benchmark of the monitoring views: load a week of demo data, time each view on chDB and/or a server.

    python -m pipeline.bench.monitor --events 100000 [--url clickhouse://default@127.0.0.1:9000/bench]

Without ``--url`` it uses a fresh chDB database in a temporary directory. Prints one line per
view with its time (best of ``--repeat`` runs) and row count.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from pipeline.config import AlertSettings, Settings
from pipeline.monitor import audience_snapshot
from pipeline.monitor.alerts import AlertEngine
from pipeline.monitor.cascade_store import CascadeTracker
from pipeline.records import Enriched, RawRecord
from pipeline.storage import ClickHouse, connect
from pipeline.storage.migrate import migrate
from pipeline.storage.tables import MENTION_COLUMNS, mention_rows
from pipeline.text import TextAnalyzer, get_analyzer
from pipeline.worker.enrich import process_batch

log = logging.getLogger(__name__)


def enrich(lines: Sequence[bytes], analyzer: TextAnalyzer) -> list[Enriched]:
    """Valid events of ``lines`` with their analysis (invalid ones are dropped)."""
    records = [RawRecord("bench", 0, i, line) for i, line in enumerate(lines)]
    return process_batch(records, analyzer, max_bytes=262144, max_text_chars=20000).enriched


def store(ch: ClickHouse, items: Sequence[Enriched], tracker: CascadeTracker | None = None) -> None:
    """Write one batch as the worker and its monitoring listener do.

    The mentions insert also fills ``audience_events`` and ``cascade_nodes`` through their views.
    """
    if not items:
        return
    ch.insert("mentions", MENTION_COLUMNS, mention_rows(items))
    (tracker or CascadeTracker(ch)).update(items)


def load(ch: ClickHouse, lines: Iterable[bytes], analyzer: TextAnalyzer, batch: int = 5000) -> int:
    """Enrich and store ``lines`` batch by batch; return the number of stored events."""
    tracker = CascadeTracker(ch)
    buf: list[bytes] = []
    stored = 0
    for line in lines:
        buf.append(line)
        if len(buf) >= batch:
            items = enrich(buf, analyzer)
            store(ch, items, tracker)
            stored += len(items)
            buf = []
    items = enrich(buf, analyzer)
    store(ch, items, tracker)
    tracker.refresh_due(everything=True)  # large cascades whose metrics were deferred
    return stored + len(items)


def view_queries(since: date, brand: str, competitor: str) -> dict[str, str]:
    """One typical query per view (what the dashboards run)."""
    d = f"toDate('{since:%Y-%m-%d}')"
    return {
        "share_of_voice_daily": f"SELECT * FROM share_of_voice_daily WHERE day >= {d}",
        "rollup_minute (alert baseline, 7 d)": "SELECT brand, signal, sum(events) AS n FROM rollup_minute "
        f"WHERE bucket >= {d} GROUP BY brand, signal",
        "author_quality": "SELECT segment, count() AS n FROM author_quality GROUP BY segment",
        "audience_composition_daily": f"SELECT * FROM audience_composition_daily WHERE day >= {d}",
        "cascades_latest": "SELECT * FROM cascades_latest ORDER BY reposts DESC LIMIT 50",
        "buyer_topics_daily": "SELECT sentiment, keyword, sum(mentions) AS n FROM buyer_topics_daily "
        f"WHERE brand = '{brand}' AND day >= {d} GROUP BY sentiment, keyword ORDER BY n DESC LIMIT 10 BY sentiment",
        "competitor_terms_daily": "SELECT term, sum(mentions) AS n FROM competitor_terms_daily "
        f"WHERE competitor = '{competitor}' AND day >= {d} GROUP BY term ORDER BY n DESC LIMIT 20",
        "alerts_latest": "SELECT * FROM alerts_latest ORDER BY fired_at DESC LIMIT 100",
    }


def time_views(ch: ClickHouse, since: date, repeat: int = 3) -> list[tuple[str, float, int]]:
    """(view, best seconds, rows) for every view query."""
    out = []
    for name, sql in view_queries(since, "蒙牛", "伊利").items():
        best, rows = float("inf"), 0
        for _ in range(repeat):
            start = time.perf_counter()
            rows = len(ch.query(sql))
            best = min(best, time.perf_counter() - start)
        out.append((name, best, rows))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    from pipeline.sample import generate_events

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000, help="events over 7 days (default 100000)")
    parser.add_argument("--url", action="append", help="ClickHouse URL (repeatable); default: a temporary chDB")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    urls = args.url or [f"chdb://{tempfile.mkdtemp(prefix='bench-chdb-')}?db=bench_{uuid.uuid4().hex[:6]}"]
    analyzer = get_analyzer(Settings().resolved_lexicon)
    end = datetime.now(UTC)
    lines = list(generate_events(args.events, seed=11, start=end, days=7.0))
    for url in urls:
        ch = connect(url)
        try:
            migrate(ch)
            start = time.perf_counter()
            stored = load(ch, lines, analyzer)
            print(f"{ch.backend} {'.'.join(map(str, ch.server_version))}: loaded {stored} events "
                  f"(7 days) in {time.perf_counter() - start:.1f} s")
            done = audience_snapshot.refresh(ch)
            print(f"  {'audience snapshot refresh':<40} {done.seconds:8.3f} s  {done.authors:>7} authors")
            engine = AlertEngine(ch, AlertSettings())
            t0 = time.perf_counter()
            engine.detect(now=end.timestamp())
            print(f"  {'spike check (AlertEngine.detect)':<40} {time.perf_counter() - t0:8.3f} s")
            for name, seconds, rows in time_views(ch, (end - timedelta(days=7)).date(), args.repeat):
                print(f"  {name:<40} {seconds:8.3f} s  {rows:>7} rows")
        finally:
            ch.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
