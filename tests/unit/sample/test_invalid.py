"""Invalid lines: every kind is rejected, and their number follows the rate."""

from __future__ import annotations

import random

import orjson
import pytest

from pipeline.sample import DEFECTS, generate_events, invalid_count
from pipeline.sample.generator import DEFAULT_END
from pipeline.sample.stream import Stream
from tests.unit.sample.helpers import parse, split


def _templates() -> list[dict[str, object]]:
    """Valid events of every kind, with the author as a plain dict."""
    s = Stream(3000, 8, DEFAULT_END, 7.0)
    out: dict[str, dict[str, object]] = {}
    for _ in range(3000):
        line = s.valid(s.clock.tick())
        event = orjson.loads(line)
        out.setdefault(f"{event['platform']}/{event['kind']}", event)
    return list(out.values())


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_each_defect_is_rejected(defect: str) -> None:
    rng = random.Random(defect)
    for template in _templates():
        for _ in range(5):
            event = orjson.loads(orjson.dumps(template))
            line = DEFECTS[defect](event, rng)
            assert parse(line) is None, (defect, line[:300])


@pytest.mark.parametrize(("n", "rate"), [(1000, 0.02), (3060, 60 / 3060), (777, 0.1), (50, 1.0), (10, 0.04)])
def test_invalid_count_matches_rate(n: int, rate: float) -> None:
    valid, rejected = split(generate_events(n, seed=2, invalid_rate=rate))
    assert len(rejected) == invalid_count(n, rate) == int(n * rate + 0.5)
    assert len(valid) + len(rejected) == n


def test_invalid_lines_are_spread_and_varied() -> None:
    lines = list(generate_events(2000, seed=4, invalid_rate=0.05))
    positions = [i for i, line in enumerate(lines) if parse(line) is None]
    assert positions[0] < 500 and positions[-1] > 1500
    assert any(b - a > 1 for a, b in zip(positions, positions[1:], strict=False))
    undecodable = [line for line in lines if parse(line) is None and not _utf8(line)]
    oversized = [line for line in lines if len(line) > 20_000 * 3 // 2]
    assert undecodable and oversized


def _utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
