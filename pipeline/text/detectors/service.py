"""Service request: the writer needs the company to act or answer about their own case.

Problem cues (``data/cues_service.yaml``) add their group weight; the category of the
request is the category with the largest total. Three gates keep narratives and opinions
out:

* problem cues count only in a *customer context* (the analyzer decides: the writer bought
  or ordered, writes like a customer review, or addresses the shop);
* ``weak`` cues (一个小时, 凉了, 不新鲜, 上当) count only next to a non-weak problem cue;
* ``how_to`` cues (stock, size, price, how to use) count only in a real question (a question
  marker and no rhetorical one) that is short or addressed to the shop.

News-style texts and a seller's own voice are penalised.

Priority: ``urgent`` for threats to escalate (投诉, 12315, 曝光) or health and safety
(吃出异物, 拉肚子); ``high`` for anger, repeated problems or money/defect cases written
negatively; ``low`` for questions without a problem; ``normal`` otherwise.
"""

from __future__ import annotations

from pipeline.text.cues import Scan
from pipeline.text.detectors import NOTHING, Decision, dedupe

CATEGORIES = (
    "refund",
    "return_exchange",
    "logistics",
    "quality",
    "missing_parts",
    "account_payment",
    "how_to",
    "service_complaint",
    "other",
)
PRIORITIES = ("urgent", "high", "normal", "low")
NEWS_PENALTY = 3.0
SELLER_PENALTY = 3.0
QUESTION_BONUS = 1.0
SHORT_TEXT = 60
# problems a short question to the shop may raise without other sign of a purchase
_SHOP_TOPICS = frozenset(
    {"logistics", "account_payment", "refund", "return_exchange", "missing_parts", "service_complaint", "other"}
)
RHETORIC_PENALTY = 2.0


def is_question(scan: Scan) -> bool:
    """A real question: a question marker and no rhetorical marker."""
    return scan.marker("question") > 0 and scan.marker("rhetorical") == 0


def detect_service(
    scan: Scan,
    customer: bool,
    news: bool,
    length: int,
    sentiment_score: float = 0.0,
    angry_emoticon: bool = False,
    threshold: float = 2.0,
) -> Decision:
    """Service-request decision with category and priority.

    ``customer``: the writer bought or ordered, writes like a customer, or addresses the
    shop; without it problem words are narrative, not a request. ``length``: characters of
    the detection text (short questions are typical of messages to a shop).
    """
    if "service" not in scan.hits:
        return NOTHING
    question = is_question(scan)
    addressed = scan.marker("second_person") > 0
    asks_shop = question and (length <= SHORT_TEXT or addressed)
    hits = [h for h in scan.hits.get("service", ()) if h.counted and h.group.category is not None]
    hits = [
        h
        for h in hits
        if (asks_shop if h.group.name == "how_to" else customer or (asks_shop and h.group.category in _SHOP_TOPICS))
    ]
    if not any(not h.group.weak and h.weight > 0 for h in hits):
        hits = []
    totals: dict[str, float] = {}
    evidence: list[str] = []
    score = 0.0
    seen: set[str] = set()
    for hit in hits:
        if hit.phrase in seen:  # a repeated phrase is one problem, not several
            continue
        seen.add(hit.phrase)
        score += hit.weight
        totals[hit.group.category or "other"] = totals.get(hit.group.category or "other", 0.0) + hit.weight
        if hit.weight > 0:
            evidence.append(hit.phrase)
    if asks_shop and evidence and addressed:
        score += QUESTION_BONUS
    if news:
        score -= NEWS_PENALTY
    if scan.marker("rhetorical"):
        score -= RHETORIC_PENALTY
    if scan.marker("seller"):
        score -= SELLER_PENALTY
    if score < threshold or not totals:
        return NOTHING
    order = {c: i for i, c in enumerate(CATEGORIES)}
    category = max(totals, key=lambda c: (totals[c], -order[c]))
    return Decision(True, score, dedupe(evidence), category, priority(scan, category, sentiment_score, angry_emoticon))


def priority(scan: Scan, category: str, sentiment_score: float, angry_emoticon: bool = False) -> str:
    """Priority of a service request (see the module docstring)."""
    if scan.marker("threat") or scan.marker("safety"):
        return "urgent"
    angry = angry_emoticon or scan.marker("anger") > 0 or scan.marker("exclaim") >= 2
    if angry or scan.marker("repeat"):
        return "high"
    if category in ("refund", "quality", "missing_parts", "return_exchange") and sentiment_score < -0.5:
        return "high"
    if category == "how_to" and sentiment_score > -0.5:
        return "low"
    return "normal"


def category_of(scan: Scan) -> str:
    """The category of a request the rules did not flag: the category with the most cue weight.

    Every positive service cue counts here, gated or not (the model found the request); a
    question without any is ``how_to``, anything else ``other``.
    """
    totals: dict[str, float] = {}
    for hit in scan.hits.get("service", ()):
        if hit.weight > 0 and hit.group.category is not None:
            totals[hit.group.category] = totals.get(hit.group.category, 0.0) + hit.weight
    if not totals:
        return "how_to" if is_question(scan) else "other"
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return max(totals, key=lambda c: (totals[c], -order[c]))
