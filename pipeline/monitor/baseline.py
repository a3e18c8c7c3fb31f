"""Spike detection against a rolling baseline: pure arithmetic, no storage.

For one brand and signal, the baseline is the count in each of the ``N`` windows (same length as
the current one) before it, over ``alert_baseline_days``; windows without events count as 0.

    threshold = max(min_count, mean + k * sigma_eff),   sigma_eff = max(sigma, sqrt(mean), 1)

The floor ``sqrt(mean)`` (Poisson noise) keeps a perfectly regular baseline (sigma = 0) from
alerting on one extra event; ``min_count`` keeps rare signals quiet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Baseline:
    """Mean and standard deviation of the per-window counts."""

    windows: int
    mean: float
    std: float

    @property
    def sigma_eff(self) -> float:
        """Standard deviation with the Poisson and unit floors."""
        return max(self.std, math.sqrt(self.mean), 1.0)


@dataclass(frozen=True, slots=True)
class Spike:
    """A window above its threshold."""

    count: int
    threshold: float
    score: float
    severity: str


def baseline(total: float, sum_squares: float, windows: int) -> Baseline:
    """Baseline from the sum and the sum of squares of the non-empty windows' counts."""
    if windows <= 0:
        return Baseline(0, 0.0, 0.0)
    mean = total / windows
    var = max(sum_squares / windows - mean * mean, 0.0)
    return Baseline(windows, mean, math.sqrt(var))


def threshold(base: Baseline, k: float, min_count: int) -> float:
    """The count from which the current window is a spike."""
    return max(float(min_count), base.mean + k * base.sigma_eff)


def severity(score: float, k: float) -> str:
    """Low below 2k sigmas, medium below 4k, high above."""
    if score >= 4 * k:
        return "high"
    if score >= 2 * k:
        return "medium"
    return "low"


def detect(count: int, base: Baseline, k: float, min_count: int) -> Spike | None:
    """A Spike when ``count`` reaches the threshold, else None."""
    limit = threshold(base, k, min_count)
    if count < limit:
        return None
    score = (count - base.mean) / base.sigma_eff
    return Spike(count, limit, round(score, 2), severity(score, k))


def windows_covered(first_bucket: float | None, window_start: float, lookback_start: float, window_seconds: int) -> int:
    """Baseline windows with data coverage: from the first stored minute (or the lookback start)."""
    if first_bucket is None or first_bucket >= window_start:
        return 0
    start = max(first_bucket, lookback_start)
    return math.ceil((window_start - start) / window_seconds)
