"""`sociallisten bench` runs every stage unattended and prints every figure (tiny sizes; not a measurement)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.fixtures.kafka import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.cpu_heavy]

REQUIRED = (
    "events_per_s_ceiling", "events_per_s_faust", "events_per_s_classify", "events_per_s_full", "events_per_s_naive",
    "full_over_ceiling", "full_over_faust", "full_over_naive", "latency_p50_s", "latency_p99_s", "peak_rss_mb",
    "events", "events_per_s_faust_packed", "events_per_s_full_packed", "full_packed_over_faust",
    "peak_rss_mb_at_rss_events", "rss_events", "events_per_s_faust_batch_drain", "full_over_faust_batch_drain",
    "events_per_s_faust_before", "events_per_s_faust_after", "cpu_ms_per_1k_events",
    "cpu_ms_per_1k_events_by_process", "cpu_ms_per_1k_events_packed",
)  # fmt: skip


BATCH = 500
"""Events per batch in the bench's workers here; a rate is measured from the second batch on."""


def _bench(tmp_path, *args: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLISTEN_")}
    env.update({"SOCIALLISTEN_DATA_DIR": str(tmp_path / "data"), "SOCIALLISTEN_LOG_LEVEL": "WARNING",
                "TMPDIR": str(tmp_path),  # the bench's work directory goes with the test's
                # the bench's workers take their batch size from this: several batches in a tiny stream
                "SOCIALLISTEN_BATCH_SIZE": str(BATCH)})
    done = subprocess.run([sys.executable, "-m", "pipeline", "bench", *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=900)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    return orjson.loads(done.stdout.decode().strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_bench_prints_every_figure_as_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # several batches of BATCH events, so every rate has batches after the first to measure
    args = ["--events", "3000", "--naive-events", "100", "--latency-seconds", "5", "--pack", "10",
            "--rss-events", "3000", "--json", "--keep-workdir"]
    figures = _bench(tmp_path, *args)
    assert figures["backend"].startswith("chdb")
    assert figures["event_loop"] == "uvloop"
    assert figures["workdir"].startswith(str(tmp_path))
    assert figures["workdir_kept"] is True and (Path(figures["workdir"]) / "tansu.log").exists()  # --keep-workdir
    missing = [k for k in REQUIRED if k not in figures]
    assert not missing, f"missing figures: {missing}"
    assert figures["events"] == 3000 and figures["rss_events"] == 3000
    for key in ("events_per_s_ceiling", "events_per_s_faust", "events_per_s_full", "events_per_s_naive",
                "events_per_s_classify", "events_per_s_full_packed", "peak_rss_mb", "peak_rss_mb_at_rss_events",
                "events_per_s_faust_batch_drain"):
        assert figures[key] > 0, key
    assert figures["full_over_naive"] == pytest.approx(figures["events_per_s_full"] / figures["events_per_s_naive"],
                                                       rel=0.01)
    assert 0 < figures["latency_p50_s"] <= figures["latency_p99_s"]
    # Faust's ceiling is measured before and after the full stage (its own consumer group each
    # time, so both read the whole stream); the ratio is taken against their mean
    assert figures["events_per_s_faust_before"] > 0 and figures["events_per_s_faust_after"] > 0
    mean = (figures["events_per_s_faust_before"] + figures["events_per_s_faust_after"]) / 2
    assert figures["events_per_s_faust"] == pytest.approx(mean, abs=1)
    assert figures["full_over_faust"] == pytest.approx(figures["events_per_s_full"] / figures["events_per_s_faust"],
                                                       rel=0.01)
    # the full stage's CPU per 1,000 events, split: the worker's Python threads, its analysis process
    # and chDB (its threads and its calls) inside the worker; the parts add up to the whole
    split = figures["cpu_ms_per_1k_events_by_process"]
    assert set(split) == {"worker", "analysis", "clickhouse"}
    assert all(ms > 0 for ms in split.values()), split
    assert figures["cpu_ms_per_1k_events"] == pytest.approx(sum(split.values()), abs=0.2)
    assert figures["cpu_ms_per_1k_events_packed"] > 0


def test_bench_memory_stage_on_a_local_clickhouse_server(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """--rss-clickhouse local: the bench starts this machine's clickhouse-server and stops it again."""
    figures = _bench(tmp_path, "--rss-only", "--rss-events", "2000", "--rss-clickhouse", "local", "--pack", "10",
                     "--json")
    assert figures["rss_backend"].startswith("clickhouse-server")
    assert figures["rss_events"] == 2000 and figures["peak_rss_mb_at_rss_events"] > 0
    assert figures["events_per_s_full_rss_run"] > 0
    # with a server, its process's CPU is the clickhouse part of the worker's run
    split = figures["cpu_ms_per_1k_events_rss_run_by_process"]
    assert all(split[part] > 0 for part in ("worker", "analysis", "clickhouse")), split
    assert figures["cpu_ms_per_1k_events_rss_run"] == pytest.approx(sum(split.values()), abs=0.2)
    leftover = subprocess.run(["pgrep", "-f", f"{figures['workdir']}/clickhouse"], capture_output=True)
    assert leftover.returncode == 1, "the bench's clickhouse-server must be stopped"
    # and its data and logs removed: a million-event run leaves gigabytes otherwise
    assert figures["workdir_kept"] is False and not Path(figures["workdir"]).exists()
