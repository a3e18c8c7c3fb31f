"""``sociallisten bench``: throughput, latency and memory of the whole pipeline against baselines."""

from __future__ import annotations

from typing import Any

import orjson
import typer

from pipeline.bench.queries.settle import MAX_SECONDS as SETTLE_MAX_SECONDS
from pipeline.cli import app

_QUERIES_HELP = ("Measure BI and API latency instead: fill a database with --rows mentions over 90 days, then "
                 "time every Grafana panel query, BI view and API read (p50/p95, 30-day range).")
_SETTLE_HELP = ("With --queries: wait at most this long after the fill for ClickHouse's background merges to "
                "finish, as on a server at rest (0 = time right after the fill).")


@app.command("bench")
def bench_command(
    events: int = typer.Option(
        100_000, "--events", min=1000, help="Events in the stream (realistic, from real texts)."
    ),
    naive_events: int = typer.Option(2000, "--naive-events", min=100, help="Events for the naive baseline."),
    pack: int = typer.Option(100, "--pack", min=1, help="Also measure packed messages of N events (1 = skip)."),
    latency_seconds: float = typer.Option(20.0, "--latency-seconds", min=5, help="Duration of the latency phase."),
    clickhouse: str | None = typer.Option(
        None, "--clickhouse",
        help="Backend: a clickhouse://... server URL prefix (one database per stage), 'local' to start this "
        "machine's clickhouse-server for the run, or 'chdb' (the default: chDB inside the worker).",
    ),
    rss_clickhouse: str | None = typer.Option(
        None, "--rss-clickhouse",
        help="Backend of the memory stage: local, chdb or a URL prefix (default: as --clickhouse).",
    ),
    rss_events: int = typer.Option(
        0, "--rss-events", min=0, help="Also run the worker over this many events for its peak RSS (0 = skip)."
    ),
    rss_only: bool = typer.Option(False, "--rss-only", help="Run only the memory stage (needs --rss-events)."),
    failover: bool = typer.Option(
        False, "--failover", help="Measure failover instead: kill -9 and restart, kill -9 of one of two workers, "
        "SIGTERM rolling restart (ClickHouse default: 'local')."),
    kafka: str | None = typer.Option(
        None, "--kafka", help="With --failover: bootstrap servers of a running broker; default: a Tansu started "
        "for the run as its own process."),
    queries: bool = typer.Option(False, "--queries", help=_QUERIES_HELP),
    rows: int = typer.Option(1_000_000, "--rows", min=1000, help="With --queries: mentions in the database."),
    settle_seconds: float = typer.Option(SETTLE_MAX_SECONDS, "--settle-seconds", min=0, help=_SETTLE_HELP),
    seed: int = typer.Option(1, "--seed"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on the last line."),
    keep_workdir: bool = typer.Option(False, "--keep-workdir", help="Keep the run's work directory (logs, "
                                      "ClickHouse data) after a success; after a failure it is always kept."),
) -> None:
    """Measure the pipeline's throughput, latency and memory in one run on the embedded broker.

    The stages: the transport ceiling, Faust's decode-and-count ceiling, classify-only, the full
    pipeline, a naive baseline, produce-to-queryable latency at half capacity and the worker's peak
    RSS (also after --rss-events events).
    """
    from pipeline.bench.run import run_bench
    from pipeline.cli.render import console
    from pipeline.runtime import load_settings

    load_settings()
    if queries:
        _queries(rows, clickhouse, as_json, settle_seconds)
        return
    if failover:
        _failover(kafka, clickhouse, seed, as_json, keep_workdir)
        return
    if rss_only and not rss_events:
        raise typer.BadParameter("--rss-only needs --rss-events N", param_hint="--rss-only")
    results = run_bench(events=events, naive_events=naive_events, pack=pack, latency_seconds=latency_seconds,
                        clickhouse=clickhouse, seed=seed, step=lambda s: console.log(s),
                        rss_events=rss_events, rss_only=rss_only, rss_clickhouse=rss_clickhouse,
                        keep_workdir=keep_workdir)
    _print(results, as_json)


def _failover(kafka: str | None, clickhouse: str | None, seed: int, as_json: bool, keep_workdir: bool) -> None:
    import os
    import platform
    import tempfile
    from pathlib import Path

    from pipeline.bench.failover import run_failover
    from pipeline.bench.workdir import work_directory
    from pipeline.cli.render import console

    workdir = Path(tempfile.mkdtemp(prefix="sociallisten-failover-"))
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "workdir": str(workdir),
    }
    with work_directory(workdir, keep=keep_workdir) as kept:
        results |= run_failover(bootstrap=kafka, clickhouse=clickhouse, workdir=workdir, seed=seed,
                                step=lambda s: console.log(s))
    _print(results | {"workdir_kept": kept()}, as_json)


def _queries(rows: int, clickhouse: str | None, as_json: bool, settle_seconds: float) -> None:
    from rich.table import Table

    from pipeline.bench.queries.run import run_queries
    from pipeline.cli.render import console

    results = run_queries(rows=rows, clickhouse=clickhouse, step=lambda s: console.log(s),
                          settle_seconds=settle_seconds)
    table = Table(title=f"sociallisten bench --queries: {rows:,} mentions, {results['backend']} "
                  f"{results['clickhouse_version']}, filled in {results['fill_seconds']} s", title_justify="left")
    for col in ("query", "kind", "p50 ms", "p95 ms"):
        table.add_column(col, justify="left" if col in ("query", "kind") else "right")
    for name, q in results["queries"].items():
        failed = q["p95_ms"] is None
        table.add_row(name, q["kind"], "failed" if failed else f"{q['p50_ms']:,.1f}",
                      "failed" if failed else f"{q['p95_ms']:,.1f}")
    console.print(table)
    if as_json:
        typer.echo(orjson.dumps(results).decode())


def _cell(value: Any) -> str:
    """A figure as the table shows it: thousands separated; a split (a dict) as ``part value`` pairs."""
    if isinstance(value, dict):
        return ", ".join(f"{part} {_cell(figure)}" for part, figure in value.items())
    return f"{value:,}" if isinstance(value, int) else str(value)


def _print(results: dict[str, Any], as_json: bool) -> None:
    from rich.table import Table

    from pipeline.cli.render import console

    table = Table(title=f"sociallisten bench ({results['machine']})", title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in results.items():
        if key not in ("machine", "workdir", "workdir_kept"):
            table.add_row(key, _cell(value))
    console.print(table)
    if as_json:
        typer.echo(orjson.dumps(results).decode())
