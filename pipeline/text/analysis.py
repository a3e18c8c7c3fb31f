"""What the analyzer learns from one text (:class:`Analysis`) and its signal names."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field, fields
from typing import Any

SIGNALS = (
    "buyer",
    "service_request",
    "purchase_intent",
    "competitor_mention",
    "own_mention",
    "positive",
    "negative",
    "neutral",
)
_SENTIMENTS = frozenset(SIGNALS[5:])


@dataclass(slots=True)
class Analysis:
    """Everything the pipeline learns from one text."""

    own_text: str
    tokens: list[str]
    keywords: list[str]
    urls: list[str]
    mentions: list[str]
    hashtags: list[str]
    emoticons: list[str]
    repost_chain: list[str]
    buyer: bool
    service_request: bool
    service_category: str | None
    priority: str | None
    brands: list[str]
    competitors: list[str]
    own_brand: bool
    purchase_intent: bool
    sentiment: str
    sentiment_score: float
    evidence: dict[str, list[str]] = field(default_factory=dict)
    text_hash: int = 0
    """Fingerprint of ``own_text`` (:func:`pipeline.text.fingerprint.text_hash`; 0: too short)."""
    signals: list[str] = field(default_factory=list)
    """Names of the signals that apply, in the order of :data:`SIGNALS` (see :func:`signal_names`)."""

    def __reduce__(self) -> tuple[type[Analysis], tuple[Any, ...]]:
        # Analyses cross from the analysis process to the worker in every batch. The constructor
        # with positional values unpickles in about half the time of the slot-by-slot state that
        # slotted dataclasses pickle by default.
        return (Analysis, _analysis_values(self))

    def classify_record(self, id: str) -> dict[str, Any]:  # noqa: A002 - the record field is called id
        """The ``classify`` output record of this analysis for event ``id``."""
        return {
            "id": id,
            "buyer": self.buyer,
            "service_request": self.service_request,
            "service_category": self.service_category,
            "priority": self.priority,
            "brands": list(self.brands),
            "competitors": list(self.competitors),
            "purchase_intent": self.purchase_intent,
            "sentiment": self.sentiment,
            "evidence": {k: list(v) for k, v in self.evidence.items()},
        }


_analysis_values = operator.attrgetter(*(f.name for f in fields(Analysis)))


def signal_names(
    *, buyer: bool, service_request: bool, purchase_intent: bool, competitors: bool, own_brand: bool, sentiment: str
) -> list[str]:
    """The signals that apply, in the order of :data:`SIGNALS` (stored in ``mentions.signals``, rolled up)."""
    out = []
    if buyer:
        out.append("buyer")
    if service_request:
        out.append("service_request")
    if purchase_intent:
        out.append("purchase_intent")
    if competitors:
        out.append("competitor_mention")
    if own_brand:
        out.append("own_mention")
    if sentiment in _SENTIMENTS:
        out.append(sentiment)
    return out
