"""Purchase intent: a potential customer wants to buy, asks which or where, or compares."""

from __future__ import annotations

from pipeline.text.cues import Scan
from pipeline.text.detectors import NOTHING, Decision, dedupe


def detect_intent(scan: Scan, buyer: bool, threshold: float = 2.0) -> Decision:
    """Intent decision from the cue scan; comparisons count only next to another intent cue.

    A buyer asking about the order they already placed is not a prospect, so price and
    stock questions (``where_price``) count only when the writer is not a buyer.
    """
    if "intent" not in scan.hits:
        return NOTHING
    score = 0.0
    evidence: list[str] = []
    strong = False
    for hit in scan.hits.get("intent", ()):
        if not hit.counted:
            continue
        if hit.group.name == "where_price" and buyer:
            continue
        score += hit.weight
        if hit.weight > 0:
            evidence.append(hit.phrase)
            strong = strong or hit.group.name != "compare"
    if not (strong and score >= threshold):
        return NOTHING
    return Decision(True, score, dedupe(evidence))
