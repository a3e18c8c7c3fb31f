"""The main job, as a user runs it: `sociallisten demo --json` on the embedded broker and chDB."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from pipeline.config import Settings
from pipeline.demo import DEMO_STREAM, Expected

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], env: dict[str, str], timeout: float = 400) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=timeout)


def test_demo_twice_on_one_store_stores_everything_once(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALLISTEN_")}
    env["SOCIALLISTEN_DATA_DIR"] = str(tmp_path / "data")  # chDB under it; embedded Tansu broker
    expected = Expected.from_lines(DEMO_STREAM.read_bytes().splitlines(), Settings())

    summaries = []
    for _ in range(2):
        result = run(["demo", "--json"], env)
        assert result.returncode == 0, result.stderr.decode()[-3000:]
        summary = orjson.loads(result.stdout.decode().strip().splitlines()[-1])
        summaries.append(summary)
        assert summary["events_in"] == len(expected.lines)
        assert summary["events_stored"] + summary["dead_lettered"] == summary["events_in"]
        # exactly the invalid sample lines are the dead-lettered ones
        assert summary["dead_lettered"] == len(expected.invalid_hashes) > 0
        assert summary["events_stored"] == len(expected.valid_ids)
        for key in ("buyers", "service_requests", "competitor_mentions"):
            assert summary[key] > 0, key
        campaign = summary["campaign_funnel"]  # the demo campaign's generated clicks, visits and orders
        assert campaign["stored"] and campaign["links"] == len(campaign["by_post"]) > 0
        funnel = campaign["funnel"]
        assert funnel["clicks"] == sum(p["clicks"] for p in campaign["by_post"]) > funnel["visitors"] > 0
        assert 0 < funnel["orders"] < funnel["visitors"] and funnel["revenue"] > 0
        assert b"Campaign funnel" in result.stdout
    assert summaries[0]["buyers"] == summaries[1]["buyers"]
    assert summaries[0]["campaign_funnel"] == summaries[1]["campaign_funnel"]  # sent again: nothing doubles

    stats = run(["stats", "--json"], env)
    assert stats.returncode == 0, stats.stderr.decode()
    totals = orjson.loads(stats.stdout.decode().strip().splitlines()[-1])
    assert totals["mentions"] == len(expected.valid_ids)
    assert totals["dead_lettered"] == len(expected.invalid_hashes)
