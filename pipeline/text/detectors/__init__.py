"""Rule detectors over one scan of cue phrases, plus the brand detector.

Each detector is a pure function of the cue :class:`~pipeline.text.cues.Scan` of a text and
returns a :class:`Decision` with the matched terms as evidence.
"""

from __future__ import annotations

from typing import NamedTuple


class Decision(NamedTuple):
    """A detector's verdict, its score and the matched terms that support it."""

    value: bool
    score: float
    evidence: list[str] = []  # noqa: RUF012 - never mutated; a NamedTuple default
    category: str | None = None
    priority: str | None = None


NOTHING = Decision(False, 0.0)
"""The decision of a detector that found no cue at all."""


def dedupe(items: list[str]) -> list[str]:
    """Unique items in first-seen order."""
    return list(dict.fromkeys(items))
