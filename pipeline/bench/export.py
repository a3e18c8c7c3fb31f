"""Export throughput and memory: a million mentions to CSV (acceptance 2 of issue 24).

    python -m pipeline.bench.export [--rows 1000000] [--distinct 20000] [--backend server|chdb] [--format csv]

Fills a fresh database with ``--rows`` mentions (``--distinct`` sample events through the worker's
pure functions, the rest copies under new ids and times: :func:`pipeline.search.sample_rows.fill`),
then runs ``sociallisten export --format csv --out FILE`` as a child process, the way a user runs
it, and samples that process's resident memory every 50 ms. With ``--backend server``
(clickhouse-server 18.16 on this machine, the default) the figure is the exporter's own; with
``chdb`` the ClickHouse engine runs inside the exporting process and is counted too. Prints the
rows, the seconds, rows/s, the peak RSS (target under 200 MB) and the file's size.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import psutil

from pipeline.config import Settings
from pipeline.local.clickhouse_server import ClickHouseServer
from pipeline.search.sample_rows import fill
from pipeline.storage import connect
from pipeline.storage.migrate import migrate
from pipeline.text import get_analyzer


def run_export(url: str, out: Path, fmt: str, query: str) -> tuple[float, float]:
    """Run the export command; (seconds, peak RSS in MB of the process and its children)."""
    env = {**os.environ, "SOCIALLISTEN_CLICKHOUSE_URL": url, "SOCIALLISTEN_LOG_LEVEL": "WARNING"}
    cmd = [sys.executable, "-m", "pipeline", "export", "--query", query, "--format", fmt, "--out", str(out)]
    start = time.perf_counter()
    child = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    proc = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        try:
            rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
        except psutil.NoSuchProcess:
            break
        peak = max(peak, rss)
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if child.wait() != 0:
        raise SystemExit(f"the export failed with exit code {child.returncode}")
    return seconds, peak / 1e6


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="mentions to export (default 1000000)")
    parser.add_argument("--distinct", type=int, default=20_000, help="of which analysed events (default 20000)")
    parser.add_argument("--backend", choices=("server", "chdb"), default="server")
    parser.add_argument("--format", default="csv", choices=("csv", "xlsx", "parquet", "jsonl"))
    parser.add_argument("--query", default="", help="the search (default: every mention)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    root = Path(tempfile.mkdtemp(prefix="bench-export-"))
    server = ClickHouseServer.launch(lambda: Path(tempfile.mkdtemp(dir=root))) if args.backend == "server" else None
    try:
        url = server.url(f"bench_{uuid.uuid4().hex[:6]}") if server else f"chdb://{root / 'chdb'}"
        ch = connect(url)
        migrate(ch)
        start = time.perf_counter()
        rows = fill(ch, args.rows, get_analyzer(Settings().resolved_lexicon), distinct=args.distinct)
        ch.close()
        print(f"filled {rows:,} mentions in {time.perf_counter() - start:.1f} s ({args.backend})")
        out = root / f"export.{args.format}"
        seconds, peak = run_export(url, out, args.format, args.query)
        print(f"sociallisten export --format {args.format}: {rows:,} rows in {seconds:.1f} s = "
              f"{rows / seconds:,.0f} rows/s; peak RSS of the exporting process {peak:.1f} MB (target < 200 MB); "
              f"file {out.stat().st_size / 1e6:.1f} MB")
        out.unlink()
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
