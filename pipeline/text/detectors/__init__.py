"""Rule detectors over one scan of cue phrases, plus the brand detector.

Each detector is a pure function of the cue :class:`~pipeline.text.cues.Scan` of a text and
returns a :class:`Decision` with the matched terms as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Decision:
    """A detector's verdict, its score and the matched terms that support it."""

    value: bool
    score: float
    evidence: list[str] = field(default_factory=list)
    category: str | None = None
    priority: str | None = None


def dedupe(items: list[str]) -> list[str]:
    """Unique items in first-seen order."""
    return list(dict.fromkeys(items))
