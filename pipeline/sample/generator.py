"""Realistic, reproducible streams of :class:`schemas.events.SocialEvent` JSON lines.

Every text is real (see ``pipeline/data/SOURCES.md``); ids, times, platforms other than Weibo,
thread structure outside the CED cascades, and profiles other than CED's posters are invented.
The events come from :class:`pipeline.sample.stream.Stream`; this module adds the public entry
point, the count and placement of invalid lines, and the default time window.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import datetime

from pipeline.sample.clock import BEIJING
from pipeline.sample.stream import Stream

DEFAULT_END = datetime(2024, 6, 18, 0, 0, tzinfo=BEIJING)
"""Where a stream ends unless told otherwise (the 618 shopping festival), so streams are reproducible."""


def invalid_count(n: int, invalid_rate: float) -> int:
    """How many of ``n`` lines are invalid: ``n * invalid_rate`` rounded half up."""
    return int(n * invalid_rate + 0.5)


def generate_events(
    n: int,
    seed: int = 0,
    invalid_rate: float = 0.0,
    start: datetime | None = None,
    days: float = 7.0,
) -> Iterator[bytes]:
    """Yield ``n`` JSON lines (bytes, no newline) of a realistic social stream.

    ``invalid_count(n, invalid_rate)`` of them, at random positions, are invalid (see
    :mod:`pipeline.sample.invalid`); every other line passes ``SocialEvent.model_validate_json``.
    Times cover the ``days`` before ``start`` (the stream's end; default ``DEFAULT_END``), in
    nearly increasing order. The same arguments always give the same lines.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0.0 <= invalid_rate <= 1.0:
        raise ValueError("invalid_rate must be between 0 and 1")
    end = DEFAULT_END if start is None else start
    if end.tzinfo is None:
        raise ValueError("start needs a timezone (e.g. datetime(..., tzinfo=timezone.utc))")
    if not days > 0:
        raise ValueError("days must be positive")
    return _lines(Stream(n, seed, end, days), n, invalid_count(n, invalid_rate), seed)


def _lines(stream: Stream, n: int, bad: int, seed: int) -> Iterator[bytes]:
    times, valid = itertools.islice(stream.clock.times(), n), stream.valid
    if not bad:
        for ts in times:
            yield valid(ts)
        return
    positions = random.Random(f"positions:{seed}").random
    remaining = n
    for ts in times:
        if bad and positions() * remaining < bad:  # selection sampling: exactly `bad` invalid lines
            bad -= 1
            yield stream.invalid(ts)
        else:
            yield valid(ts)
        remaining -= 1


__all__ = ["DEFAULT_END", "generate_events", "invalid_count"]
