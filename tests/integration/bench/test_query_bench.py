"""`sociallisten bench --queries`: the filled database and the JSON of every timed query (tiny sizes)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from rich.progress import Progress

from pipeline.bench.queries.catalog import api_reads, panels, views
from pipeline.bench.queries.dashboards import clickhouse_queries
from pipeline.bench.queries.run import fill
from tests.fixtures.kafka import ROOT

pytestmark = pytest.mark.integration

ROWS = 20_000
MIGRATIONS = Path(ROOT) / "pipeline" / "storage" / "migrations"
MAY_BE_EMPTY = {"sociallisten: Suspected amplification (shallow cascades of low-quality accounts)"}
"""Panels whose rows need rarer data than 20,000 rows hold (every other query must return rows)."""


def _view_names() -> set[str]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(MIGRATIONS.glob("*.sql")))
    return set(re.findall(r"CREATE VIEW IF NOT EXISTS (\w+)", text))


@pytest.mark.cpu_heavy  # about 500 timed queries and API calls after the fill
@pytest.mark.parametrize("backend", ["chdb", "server"])
def test_bench_queries_json_lists_every_query(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    args = ["--queries", "--rows", str(ROWS), "--json"]
    if backend == "server":  # waits for the merges after the fill (the default); chDB is timed right after it
        args += ["--clickhouse", request.getfixturevalue("clickhouse_server").url(f"bq{os.getpid()}")]
    else:
        args += ["--settle-seconds", "0"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLISTEN_")}
    env.update({"SOCIALLISTEN_DATA_DIR": str(tmp_path / "data"), "TMPDIR": str(tmp_path)})
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "bench", *args], cwd=ROOT, env=env, capture_output=True, timeout=600
    )
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    result = orjson.loads(done.stdout.decode().strip().splitlines()[-1])
    assert result["rows"] == ROWS and result["fill_seconds"] > 0
    assert result["backend"].startswith("chdb" if backend == "chdb" else "clickhouse-server")
    if backend == "server":
        assert result["settled"] is True and 0 < result["parts_after_settle"] <= result["parts_before_settle"], result
        assert result["settle_seconds"] >= 30  # the quiet period
    else:
        assert "settled" not in result
    queries = result["queries"]
    by_kind = {k: {n for n, q in queries.items() if q["kind"] == k} for k in ("panel", "view", "api")}
    assert by_kind["panel"] == {f"{q.dashboard.removesuffix('.json')}: {q.title}" for q in clickhouse_queries()}
    assert by_kind["view"] == _view_names()
    assert {
        "GET cases",
        "GET audience composition",
        "GET cascades",
        "GET alerts",
        "GET search",
        "GET kols",
        "GET trends",
        "GET events",
        "GET platform roles",
    } <= by_kind["api"]
    for name, q in queries.items():
        assert 0 <= q["p50_ms"] <= q["p95_ms"] and q["runs"] >= 2, name
    assert result["max_p95_ms_api"] == max(queries[n]["p95_ms"] for n in by_kind["api"])


def test_filled_database_answers_every_query(ch) -> None:  # type: ignore[no-untyped-def]
    end = datetime.now(UTC).replace(microsecond=0)
    fill(ch, ROWS, end, Progress(disable=True))
    assert ch.query("SELECT count() AS n FROM mentions")[0]["n"] == ROWS
    recent = ch.query(
        "SELECT countIf(created_at >= toDateTime(%(t)s) - 30 * 86400) AS n, "
        "min(created_at) AS lo, max(created_at) AS hi FROM mentions",
        {"t": int(end.timestamp())},
    )[0]
    assert ROWS * 0.25 < recent["n"] < ROWS * 0.45  # 30 of 90 days
    assert (end - recent["lo"].replace(tzinfo=UTC)).days >= 85 and recent["hi"].replace(tzinfo=UTC) <= end
    # the panels of "today" read about a day's volume whatever the hour (CI once ran at 00:14)
    today = ch.query("SELECT count() AS n FROM mentions WHERE toDate(created_at) = today()")[0]["n"]
    assert today > ROWS / 90 / 3, today
    # every derived table is filled as its view or writer would: rollups and audience from every mention
    totals = ch.query(
        "SELECT (SELECT count() FROM audience_events) AS audience, "
        "(SELECT sum(events) FROM rollup_hour WHERE signal = 'mention') AS rolled, "
        "(SELECT count() FROM cascades) AS cascades, (SELECT count() FROM desk_cases_latest) AS cases"
    )[0]
    assert totals["audience"] == ROWS and totals["rolled"] >= ROWS and totals["cascades"] > 0 and totals["cases"] > 0
    authors = ch.query("SELECT author_id, count() AS n FROM mentions GROUP BY author_id ORDER BY n DESC")
    assert authors[0]["n"] > 20 * (ROWS / len(authors))  # a power law: the busiest authors write far more
    for item in panels(ch, end) + views(ch, end):
        rows = ch.query(item.target)
        assert rows or item.name in MAY_BE_EMPTY, f"{item.kind} {item.name} returned no rows"
    assert len(api_reads(ch, end)) >= 20
