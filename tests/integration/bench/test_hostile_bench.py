"""``python -m pipeline.bench.hostile`` at a small size: the mixed run is exact and no worker restarts.

The throughput ratio it prints is a measurement, not asserted here (docs/benchmark.md).
"""

from __future__ import annotations

import pytest

from pipeline.bench.hostile import run

pytestmark = [pytest.mark.integration, pytest.mark.cpu_heavy]


def test_hostile_mix_is_stored_or_dead_lettered_exactly() -> None:
    result = run(normal=1500, hostile=150, clickhouse=None, seed=3)
    assert result["restarts"] == 0
    assert result["exact"], result
    assert result["dead_lettered"] > 0 and result["stored"] > 1500  # hostile events on both sides
    assert result["mixed"]["events"] >= 1650
