"""Event times: ``n`` instants over a window, following the daily rhythm of Chinese social media."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8))

_DAYS: dict[int, str] = {}
_HOURS = tuple(f"{h:02d}:" for h in range(24))
_MINUTE_SECONDS = tuple(f"{m:02d}:{s:02d}+08:00" for m in range(60) for s in range(60))


_SECONDS = tuple(f"{s:02d}+08:00" for s in range(60))
_last_minute: list[tuple[int, str]] = [(-1, "")]
"""The last minute formatted, as one tuple so that threads never see a half-updated cache."""


def iso(ts: float) -> str:
    """Seconds since the epoch as ISO-8601 in Beijing time, to the second (``2024-06-17T21:05:09+08:00``)."""
    whole = int(ts)
    minute = whole // 60
    cached_minute, prefix = _last_minute[0]
    if cached_minute == minute:  # event times mostly increase: the same minute as the last call
        return prefix + _SECONDS[whole - minute * 60]
    stamp = _iso_slow(whole)
    _last_minute[0] = (minute, stamp[:17])
    return stamp


def _iso_slow(whole: int) -> str:
    day, sec = divmod(whole + 8 * 3600, 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = datetime.fromtimestamp(day * 86400 - 8 * 3600, BEIJING).strftime("%Y-%m-%dT")
    hour, rest = divmod(sec, 3600)
    return prefix + _HOURS[hour] + _MINUTE_SECONDS[rest]


HOURLY_ACTIVITY: tuple[float, ...] = (
    0.90, 0.55, 0.35, 0.22, 0.16, 0.16, 0.30, 0.60, 0.90, 1.00, 1.05, 1.10,
    1.25, 1.10, 1.00, 1.00, 1.00, 1.05, 1.10, 1.25, 1.45, 1.60, 1.55, 1.25,
)  # fmt: skip
"""Relative activity per hour of the day in Beijing time: quiet at 3-5, peaks at lunch and 21-22."""


class Clock:
    """Hands out ``n`` non-decreasing times over ``[end - days, end]``.

    Tick ``k`` falls at activity mass ``(k + u) / n`` of the window (``u`` uniform), so times are
    stratified, spread over the whole window and denser in busy hours.
    """

    def __init__(self, n: int, end: datetime, days: float, rng: random.Random) -> None:
        if end.tzinfo is None:
            raise ValueError("the stream's end time needs a timezone")
        if not days > 0:
            raise ValueError("days must be positive")
        self._n = max(n, 1)
        self._rng = rng
        self.end = end.timestamp()
        self.start = self.end - days * 86400.0
        self._bins = self._make_bins()
        self._total = sum(mass for _, _, mass in self._bins)
        self._times = self._generate()

    def _make_bins(self) -> list[tuple[float, float, float]]:
        """(start, end, activity mass) of the window cut at Beijing hour boundaries."""
        bins = []
        t = self.start
        while t < self.end:
            hour_start = math.floor((t + 8 * 3600) / 3600) * 3600 - 8 * 3600
            stop = min(hour_start + 3600, self.end)
            hour = int(((hour_start + 8 * 3600) // 3600) % 24)
            bins.append((t, stop, HOURLY_ACTIVITY[hour] * (stop - t) / 3600))
            t = stop
        return bins

    def tick(self) -> float:
        """The next time (seconds since the epoch); never earlier than the previous one."""
        return next(self._times)

    def times(self) -> Iterator[float]:
        """The ticks as an iterator (the same sequence ``tick`` walks)."""
        return self._times

    def _generate(self) -> Iterator[float]:
        """Times of ticks 0, 1, ... (a generator: its state lives in fast local variables)."""
        bins, last = self._bins, len(self._bins) - 1
        random, step = self._rng.random, self._total / self._n
        index, before = 0, 0.0  # current bin, activity mass before it
        start, stop, mass = bins[0]
        k = 0
        while True:
            target = (k + random()) * step
            k += 1
            while index < last and before + mass < target:
                before += mass
                index += 1
                start, stop, mass = bins[index]
            frac = (target - before) / mass if mass > 0 else 0.0
            if frac > 1.0:
                frac = 1.0
            yield start + frac * (stop - start)
