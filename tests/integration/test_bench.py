"""`sociallisten bench` runs every stage unattended and prints every figure (tiny sizes; not a measurement)."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest

from tests.fixtures.kafka import ROOT

pytestmark = pytest.mark.integration

REQUIRED = (
    "events_per_s_ceiling", "events_per_s_faust", "events_per_s_classify", "events_per_s_full", "events_per_s_naive",
    "full_over_ceiling", "full_over_faust", "full_over_naive", "latency_p50_s", "latency_p99_s", "peak_rss_mb",
    "events", "events_per_s_faust_packed", "events_per_s_full_packed", "full_packed_over_faust",
    "peak_rss_mb_at_rss_events", "rss_events",
)  # fmt: skip


def test_bench_prints_every_figure_as_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLISTEN_")}
    env.update({"SOCIALLISTEN_DATA_DIR": str(tmp_path / "data"), "SOCIALLISTEN_LOG_LEVEL": "WARNING"})
    # more events than one batch (2,000), so every rate has a batch after the first to measure
    args = ["--events", "3000", "--naive-events", "100", "--latency-seconds", "5", "--pack", "10",
            "--rss-events", "3000", "--json"]
    done = subprocess.run([sys.executable, "-m", "pipeline", "bench", *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=900)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    figures = orjson.loads(done.stdout.decode().strip().splitlines()[-1])
    missing = [k for k in REQUIRED if k not in figures]
    assert not missing, f"missing figures: {missing}"
    assert figures["events"] == 3000 and figures["rss_events"] == 3000
    for key in ("events_per_s_ceiling", "events_per_s_faust", "events_per_s_full", "events_per_s_naive",
                "events_per_s_classify", "events_per_s_full_packed", "peak_rss_mb", "peak_rss_mb_at_rss_events"):
        assert figures[key] > 0, key
    assert figures["full_over_naive"] == pytest.approx(figures["events_per_s_full"] / figures["events_per_s_naive"],
                                                       rel=0.01)
    assert 0 < figures["latency_p50_s"] <= figures["latency_p99_s"]
