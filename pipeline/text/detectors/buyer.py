"""Buyer: the writer shows first-hand that they bought, received, own or used the product.

Two parts, both explainable:

* rules (``data/cues_buyer.yaml``): purchase, delivery received, use after purchase,
  repurchase, order showing, delivery and packaging, gifts to the family, and (capped)
  words describing the received item add; so does (capped) a problem report of the
  service detector about a received order (洒了, 少送, 坏了: groups marked
  ``implies_purchase``); intent, hearsay and negated purchases (想买, 听说, 没买) subtract;
* the "first-hand review" model (``tools/train_buyer.py``): naive-Bayes log-count ratios of
  the tokens, learnt from reviews versus Weibo posts. Its score is scaled and clipped. It
  may not add for a question or a product specification without a strong cue, nor for a
  news-style text without any cue (those read like reviews without being first-hand); it
  may not subtract when the text reports a received order, a repurchase, a problem with
  the order or a first-person purchase (unless the text asks before buying).

News-style texts get no credit for item words and a penalty, a seller's or advertiser's
voice a larger one. The evidence lists the rule cues, then the strongest model features.
"""

from __future__ import annotations

from collections.abc import Callable

from pipeline.text.cues import Scan
from pipeline.text.detectors import NOTHING, Decision, dedupe

EXPERIENCE_CAP = 3.0
DELIVERY_CAP = 2.0
SPEC_EXPERIENCE_CAP = 1.0
PRE_PURCHASE_PENALTY = 2.0
NEWS_PENALTY = 1.5
SELLER_PENALTY = 3.0
HEARSAY_PENALTY = 2.0
MODEL_SCALE = 0.5
MODEL_CAP = 2.0
PROBLEM_CAP = 2.0
SPEC_MARKERS = 3
STRONG = frozenset({"purchase", "received", "use", "repurchase", "order_showing"})
CERTAIN = frozenset({"received", "repurchase", "order_showing"})
SELF_EVIDENT = frozenset({"logistics", "missing_parts"})
VETO_LIMIT = -3.0


def detect_buyer(
    scan: Scan,
    news: bool,
    model_score: float = 0.0,
    model_evidence: Callable[[], list[str]] = list,
    threshold: float = 2.0,
) -> Decision:
    """Buyer decision from the cue scan of the own text and the review-model score."""
    if model_score <= 0 and "buyer" not in scan.hits and "service" not in scan.hits:
        return NOTHING
    score = 0.0
    experience = 0.0
    delivery = 0.0
    evidence: list[str] = []
    strong = certain = False
    pre_purchase = any(h.counted and h.weight > 0 for h in scan.hits.get("intent", ()))
    for hit in scan.hits.get("buyer", ()):
        if not hit.counted:
            continue
        if hit.group.name == "experience":
            experience += hit.weight
        elif hit.group.name == "delivery":
            delivery += hit.weight
        else:
            score += hit.weight
        if hit.weight > 0:
            evidence.append(hit.phrase)
            strong = strong or hit.group.name in STRONG
            certain = (
                certain
                or hit.group.name in CERTAIN
                or (hit.first_person and not pre_purchase and hit.group.name in STRONG)
            )
    hypothetical = any(h.group.name == "hypothetical" for h in scan.hits.get("buyer", ()))
    if not news and not hypothetical:
        problem = 0.0
        for hit in scan.hits.get("service", ()):
            if not (hit.counted and hit.group.implies_purchase and hit.weight > 0):
                continue
            if strong or delivery or model_score > VETO_LIMIT or hit.group.category in SELF_EVIDENT:
                problem += hit.weight
                evidence.append(hit.phrase)
                strong = True
                certain = certain or model_score > VETO_LIMIT
        score += min(problem, PROBLEM_CAP)
    spec = not strong and scan.marker("spec") >= SPEC_MARKERS
    score += min(delivery, 0.0 if news else DELIVERY_CAP)
    score += min(experience, 0.0 if news else SPEC_EXPERIENCE_CAP if spec else EXPERIENCE_CAP)
    if news:
        score -= NEWS_PENALTY
    if scan.marker("seller"):
        score -= SELLER_PENALTY
    if scan.marker("hearsay"):
        score -= HEARSAY_PENALTY
    if not certain and pre_purchase:
        score -= PRE_PURCHASE_PENALTY
    model = max(-MODEL_CAP, min(MODEL_CAP, MODEL_SCALE * model_score))
    question = scan.marker("question") > 0
    if (not evidence and (news or question or spec)) or (not strong and (question or spec)):
        model = min(model, 0.0)
    if certain:  # received, repurchased or reported a problem with the order: the style cannot veto
        model = max(model, 0.0)
    score += model
    if score < threshold:
        return NOTHING
    if model > 0:
        evidence.extend(model_evidence())
    return Decision(True, score, dedupe(evidence))
