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
from dataclasses import dataclass, field

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


@dataclass(slots=True)
class _Tally:
    """Running totals of the rule cues of one text, before the caps, penalties and model."""

    score: float = 0.0
    experience: float = 0.0
    delivery: float = 0.0
    evidence: list[str] = field(default_factory=list)
    strong: bool = False
    certain: bool = False


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
    pre_purchase = any(h.counted and h.weight > 0 for h in scan.hits.get("intent", ()))
    tally = _tally_buyer_cues(scan, pre_purchase)
    hypothetical = any(h.group.name == "hypothetical" for h in scan.hits.get("buyer", ()))
    if not news and not hypothetical:
        _add_problem_reports(tally, scan, model_score)
    spec = not tally.strong and scan.marker("spec") >= SPEC_MARKERS
    _add_capped_cues(tally, news, spec)
    _subtract_penalties(tally, scan, news, pre_purchase)
    model = _model_contribution(tally, scan, model_score, news, spec)
    tally.score += model
    if tally.score < threshold:
        return NOTHING
    if model > 0:
        tally.evidence.extend(model_evidence())
    return Decision(True, tally.score, dedupe(tally.evidence))


def _tally_buyer_cues(scan: Scan, pre_purchase: bool) -> _Tally:
    """Sum the counted buyer cues and note whether a strong or a certain one is among them.

    Experience and delivery cues are kept apart (they are capped later); the other groups
    add to the score. Only positive cues become evidence. A cue is certain when its group
    is, or when it is a strong cue in the first person and the text does not ask before
    buying (``pre_purchase``).
    """
    tally = _Tally()
    for hit in scan.hits.get("buyer", ()):
        if not hit.counted:
            continue
        if hit.group.name == "experience":
            tally.experience += hit.weight
        elif hit.group.name == "delivery":
            tally.delivery += hit.weight
        else:
            tally.score += hit.weight
        if hit.weight > 0:
            tally.evidence.append(hit.phrase)
            tally.strong = tally.strong or hit.group.name in STRONG
            tally.certain = (
                tally.certain
                or hit.group.name in CERTAIN
                or (hit.first_person and not pre_purchase and hit.group.name in STRONG)
            )
    return tally


def _add_problem_reports(tally: _Tally, scan: Scan, model_score: float) -> None:
    """Add, capped, the service detector's problem reports about a received order.

    Only groups marked ``implies_purchase`` count, and only when a strong cue or a delivery
    cue was found, the model does not veto (score above ``VETO_LIMIT``) or the category
    speaks for itself (``SELF_EVIDENT``). A counted report makes the text strong, and certain
    unless the model vetoes.
    """
    problem = 0.0
    for hit in scan.hits.get("service", ()):
        if not (hit.counted and hit.group.implies_purchase and hit.weight > 0):
            continue
        if tally.strong or tally.delivery or model_score > VETO_LIMIT or hit.group.category in SELF_EVIDENT:
            problem += hit.weight
            tally.evidence.append(hit.phrase)
            tally.strong = True
            tally.certain = tally.certain or model_score > VETO_LIMIT
    tally.score += min(problem, PROBLEM_CAP)


def _add_capped_cues(tally: _Tally, news: bool, spec: bool) -> None:
    """Add the delivery, then the experience cues, each capped (no credit for a news-style text)."""
    tally.score += min(tally.delivery, 0.0 if news else DELIVERY_CAP)
    tally.score += min(tally.experience, 0.0 if news else SPEC_EXPERIENCE_CAP if spec else EXPERIENCE_CAP)


def _subtract_penalties(tally: _Tally, scan: Scan, news: bool, pre_purchase: bool) -> None:
    """Subtract, one after the other, the news, seller, hearsay and pre-purchase penalties."""
    if news:
        tally.score -= NEWS_PENALTY
    if scan.marker("seller"):
        tally.score -= SELLER_PENALTY
    if scan.marker("hearsay"):
        tally.score -= HEARSAY_PENALTY
    if not tally.certain and pre_purchase:
        tally.score -= PRE_PURCHASE_PENALTY


def _model_contribution(tally: _Tally, scan: Scan, model_score: float, news: bool, spec: bool) -> float:
    """The review model's share of the score: scaled and clipped, then limited by the cues.

    It may not add for a question or a specification without a strong cue, nor for a
    news-style text, question or specification without any cue; it may not subtract when
    a cue is certain (received, repurchased or reported a problem with the order).
    """
    model = max(-MODEL_CAP, min(MODEL_CAP, MODEL_SCALE * model_score))
    question = scan.marker("question") > 0
    if (not tally.evidence and (news or question or spec)) or (not tally.strong and (question or spec)):
        model = min(model, 0.0)
    if tally.certain:  # received, repurchased or reported a problem with the order: the style cannot veto
        model = max(model, 0.0)
    return model
