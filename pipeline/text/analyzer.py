"""The text analyzer: normalise, segment, detect; one :class:`Analysis` per text.

>>> analyzer = TextAnalyzer(load_lexicon("pipeline/data/lexicon.yaml"))   # doctest: +SKIP
>>> analyzer.analyze("已经回购第三次了，特仑苏还是那么好喝//@蒙牛乳业:新品上市").buyer  # doctest: +SKIP
True

An analyzer is reusable and cheap per text; build it once per lexicon (the segmenter's
dictionary takes a fraction of a second) and call it from one thread at a time.
:func:`get_analyzer` keeps one per lexicon file for the whole process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.text.analysis import Analysis, signal_names
from pipeline.text.buyer_model import ReviewScorer, load_buyer_model, model_score
from pipeline.text.cues import CueBook, Scan, settings
from pipeline.text.detectors import Decision
from pipeline.text.detectors.brands import BrandDetector
from pipeline.text.detectors.buyer import detect_buyer
from pipeline.text.detectors.intent import detect_intent
from pipeline.text.detectors.service import category_of, detect_service, priority
from pipeline.text.features import RULE_SIGNALS, rule_features, text_features, word_and_other_parts
from pipeline.text.fingerprint import text_hash
from pipeline.text.keywords import KeywordExtractor
from pipeline.text.learned import (
    BUYER,
    INTENT,
    SERVICE,
    Batch,
    Head,
    Heads,
    Scorer,
    combine,
    decide_sentiment,
    load_heads,
)
from pipeline.text.lexicon import Lexicon, load_lexicon
from pipeline.text.normalize import Normalized, normalize_many
from pipeline.text.segment import Backend, Segmenter, make_segmenter, tokenize_many, user_dictionary
from pipeline.text.sentiment import (
    MODEL_FILE,
    NEGATORS,
    SentimentModel,
    SentimentResult,
    empty_model,
    load_model,
)

log = logging.getLogger(__name__)

DOMAIN_WORDS_FILE = Path(__file__).resolve().parent / "data" / "domain_words.txt"
BRAND_FREQ = 2000
DOMAIN_FREQ = 1000
AMBIGUOUS_FREQ = 500
CUSTOMER_GROUPS = frozenset({"purchase", "received", "use", "repurchase", "order_showing", "delivery"})
_ANGRY_EMOTICONS = frozenset(["[怒]", "[抓狂]", "[怒骂]", "[愤怒]", "[鄙视]", "[吐]", "[哼]", "😡", "😠", "🤬"])
_WORD_SKIP = frozenset(",.!?;:，。！？；：~…、()（）【】[]《》<>\"'“”‘’-_/\\|*#@&%+=`^$")


def _read_words(path: Path) -> dict[str, int]:
    words: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        words[parts[0]] = int(parts[1]) if len(parts) > 1 else DOMAIN_FREQ
    return words


def lexicon_words(lexicon: Lexicon) -> dict[str, int]:
    """User-dictionary words for a lexicon: brand names, aliases, products, domain words."""
    words = _read_words(DOMAIN_WORDS_FILE)
    for brand in lexicon.brands:
        for term in brand.terms:
            words[term] = AMBIGUOUS_FREQ if term in brand.rules else BRAND_FREQ
    return words


class TextAnalyzer:
    """Normalises, segments and classifies Chinese social-media texts for one lexicon."""

    def __init__(
        self,
        lexicon: Lexicon,
        backend: Backend = "rjieba",
        sentiment_model: SentimentModel | None = None,
        heads: Heads | None = None,
    ) -> None:
        self.lexicon = lexicon
        self.backend: Backend = backend
        self.segmenter: Segmenter = make_segmenter(backend, user_dictionary(lexicon_words(lexicon)))
        self.brands = BrandDetector(lexicon)
        self.cues = CueBook()
        self._thresholds = {name: float(s.get("threshold", 2.0)) for name, s in settings().items()}
        self.heads = load_heads() if heads is None else heads
        self.scorer = Scorer(self.heads)
        # the learned opinion and polarity heads decide the sentiment unless a lexical model is given
        self._lexical_sentiment = sentiment_model is not None or self.heads.opinion is None
        if sentiment_model is None:
            sentiment_model = load_model(MODEL_FILE) if MODEL_FILE.exists() else empty_model()
        self.sentiment_model = sentiment_model
        self.keywords = KeywordExtractor(extra_terms=[t for b in lexicon.brands for t in b.terms])
        self.buyer_model = load_buyer_model()
        self._brand_terms = frozenset(t for b in lexicon.brands for t in b.terms)
        self._review = ReviewScorer(self.buyer_model, self._brand_terms)
        # the ``r`` features of each combination of rule signals (bit k: RULE_SIGNALS[k]), and what
        # they add to the buyer, service and intent heads' scores
        self._rule_sets = [
            rule_features(**{name: bool(mask >> k & 1) for k, name in enumerate(RULE_SIGNALS)})
            for mask in range(1 << len(RULE_SIGNALS))
        ]
        decisive = (self.heads.buyer, self.heads.service, self.heads.intent)
        self._rule_scores = [[h.rule_score(on) if h else 0.0 for h in decisive] for on in self._rule_sets]
        self._own = {b.name for b in lexicon.brands if b.own}

    # ---- public API -----------------------------------------------------------------------
    def analyze(self, text: str, title: str = "") -> Analysis:
        """Analyse one text (``title``, if any, is read together with the text)."""
        return self.analyze_batch([text], titles=[title])[0]

    def analyze_batch(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> list[Analysis]:
        """Analyse many texts; one OpenCC call per batch, each step run over the whole batch.

        Running one step over all texts before the next keeps each step's tables (segmenter
        dictionary, automata, model weights) hot in the CPU caches. Identical (text, title) pairs
        are analysed once and share one Analysis (read it, do not change it): reposts often
        carry the same text (转发微博, a copied slogan).
        """
        keys: Sequence[str] | list[tuple[str, str]] = texts if titles is None else list(zip(texts, titles, strict=True))
        first: dict[Any, int] = {}
        order = [first.setdefault(k, len(first)) for k in keys]
        if len(first) == len(texts):
            return self._analyze_distinct(texts, titles)
        if titles is None:
            done = self._analyze_distinct(list(first), None)
        else:
            pairs: list[tuple[str, str]] = list(first)
            done = self._analyze_distinct([t for t, _ in pairs], [h for _, h in pairs])
        return [done[i] for i in order]

    def _analyze_distinct(self, texts: Sequence[str], titles: Sequence[str] | None) -> list[Analysis]:
        norms, tokens = self.prepare(texts, titles)
        scans = [self.cues.scan(n.detect_text) for n in norms]
        parts = [
            word_and_other_parts(n.detect_text, t, s, NEGATORS, n.emoticons)
            for n, t, s in zip(norms, tokens, scans, strict=True)
        ]
        batch = self.scorer.batch([n.detect_text for n in norms], [p[0] for p in parts], [p[1] for p in parts])
        sentis = self._sentiments(norms, tokens, batch)
        detect = self.brands.detect
        brands = [detect(n.detect_text, t, n.mentions) for n, t in zip(norms, tokens, strict=True)]
        words = [[t for t in toks if t not in _WORD_SKIP] for toks in tokens]
        keywords = self.keywords.extract_many(words)
        # The review model can only move a decision when some buyer or service cue was found.
        zs = self._review.scores(tokens)
        return [
            self._analyze(i, batch, *args)
            for i, args in enumerate(zip(norms, tokens, scans, sentis, brands, words, keywords, zs, strict=True))
        ]

    def _sentiments(self, norms: list[Normalized], tokens: list[list[str]], batch: Batch) -> list[SentimentResult]:
        opinion, polarity = self.heads.opinion, self.heads.polarity
        if self._lexical_sentiment or opinion is None or polarity is None:
            score = self.sentiment_model.score_tokens
            return [score(t, n.emoticons) for n, t in zip(norms, tokens, strict=True)]
        labels = [decide_sentiment(opinion, polarity, scores, _no_evidence) for scores in batch.scores]
        signs = [1 if s.label == "positive" else -1 if s.label == "negative" else 0 for s in labels]
        evidence = batch.tops("polarity", signs)
        out = [SentimentResult(s.label, s.score, e) for s, e in zip(labels, evidence, strict=True)]
        return out

    def prepare(
        self, texts: Sequence[str], titles: Sequence[str] | None = None
    ) -> tuple[list[Normalized], list[list[str]]]:
        """Normalised texts and their tokens (the title, if any, goes in front of the text)."""
        norms = normalize_many(texts)
        if titles is not None and any(titles):
            heads = normalize_many([t or "" for t in titles])
            for n, h in zip(norms, heads, strict=True):
                if h.detect_text:
                    n.detect_text = f"{h.detect_text}。{n.detect_text}"
                    n.hashtags = [*h.hashtags, *n.hashtags]
                    n.emoticons = [*h.emoticons, *n.emoticons]
        return norms, tokenize_many(self.segmenter, [n.detect_text for n in norms])

    # ---- one text -------------------------------------------------------------------------
    def _analyze(
        self,
        i: int,
        batch: Batch,
        norm: Normalized,
        toks: list[str],
        scan: Scan,
        senti: SentimentResult,
        found: tuple[list[str], list[str]],
        words: list[str],
        keywords: list[str],
        z: float,
    ) -> Analysis:
        buyer, service, intent, mask, angry = self._rules(norm, toks, scan, senti.score, z)
        if self.heads.buyer or self.heads.service or self.heads.intent:
            on, added = self._rule_sets[mask], self._rule_scores[mask]
            rule_service = service
            buyer = _combine(buyer, self.heads.buyer, BUYER, batch, i, on, added[0])
            service = _combine(service, self.heads.service, SERVICE, batch, i, on, added[1])
            if service.value and not rule_service.value:
                category = category_of(scan)
                service = service._replace(category=category, priority=priority(scan, category, senti.score, angry))
            intent = _combine(intent, self.heads.intent, INTENT, batch, i, on, added[2])
        brands, brand_evidence = found
        competitors = [b for b in brands if b not in self._own]
        own_brand = any(b in self._own for b in brands)
        return Analysis(
            own_text=norm.own_text,
            tokens=words,
            keywords=keywords,
            urls=norm.urls,
            mentions=norm.mentions,
            hashtags=norm.hashtags,
            emoticons=norm.emoticons,
            repost_chain=norm.repost_chain,
            buyer=buyer.value,
            service_request=service.value,
            service_category=service.category,
            priority=service.priority,
            brands=brands,
            competitors=competitors,
            own_brand=own_brand,
            purchase_intent=intent.value,
            sentiment=senti.label,
            sentiment_score=senti.score,
            evidence=_evidence(buyer, service, intent, brand_evidence, senti.evidence),
            text_hash=text_hash(norm.own_text),
            signals=signal_names(
                buyer=buyer.value, service_request=service.value, purchase_intent=intent.value,
                competitors=bool(competitors), own_brand=own_brand, sentiment=senti.label,
            ),
        )


    def _rules(
        self, norm: Normalized, toks: list[str], scan: Scan, senti_score: float, z: float
    ) -> tuple[Decision, Decision, Decision, int, bool]:
        """The rule decisions (buyer, service, intent), their signals and whether the writer is angry.

        The signals are a bit mask (bit ``k``: ``RULE_SIGNALS[k]``), the index of their ``r`` features
        in ``_rule_sets``.
        """
        text = norm.detect_text
        news = scan.marker("news") + (1 if norm.urls else 0) + (1 if "【" in text else 0) >= 2
        buyer = detect_buyer(
            scan, news, z, lambda: self._review.evidence(toks), self._thresholds["buyer"]
        )
        angry = any(e in _ANGRY_EMOTICONS for e in norm.emoticons)
        customer = (
            buyer.value
            or z > 0
            or scan.marker("second_person") > 0
            or any(h.counted and h.group.name in CUSTOMER_GROUPS for h in scan.hits.get("buyer", ()))
        )
        service = detect_service(scan, customer, news, len(text), senti_score, angry, self._thresholds["service"])
        intent = detect_intent(scan, buyer.value, self._thresholds["intent"])
        signals = (buyer.value, service.value, intent.value, news, customer, z > 0, angry)
        mask = sum(1 << k for k, on in enumerate(signals) if on)
        return buyer, service, intent, mask, angry

    @property
    def lexicon_terms(self) -> frozenset[str]:
        """Every brand name, alias and product of the lexicon."""
        return self._brand_terms

    def rule_decisions(
        self, norm: Normalized, toks: list[str], scan: Scan, z: float
    ) -> tuple[Decision, Decision, Decision]:
        """The rule detectors' own decisions (buyer, service, intent) for one prepared text."""
        return self._rules(norm, toks, scan, 0.0, z)[:3]

    def learning_features(self, texts: Sequence[str]) -> list[tuple[list[str], list[str]]]:
        """Per text, the features of the sentiment heads and of the detector heads (for training).

        The detector heads see the rule features too: their weights are added by
        :meth:`_combine` to the batch score of the text features.
        """
        norms, tokens = self.prepare(texts)
        out: list[tuple[list[str], list[str]]] = []
        model, exclude = self.buyer_model, self._brand_terms
        for n, t in zip(norms, tokens, strict=True):
            scan = self.cues.scan(n.detect_text)
            feats = text_features(n.detect_text, t, scan, NEGATORS, n.emoticons)
            mask = self._rules(n, t, scan, 0.0, model_score(model, t, exclude))[3]
            out.append((feats, feats + self._rule_sets[mask]))
        return out

def _combine(
    rule: Decision, head: Head | None, column: int, batch: Batch, i: int, on: list[str], added: float
) -> Decision:
    """The final decision of one detector for text ``i`` of the batch (:func:`pipeline.text.learned.combine`).

    ``on``: the text's rule features; ``added``: what they add to the head's score (``head.rule_score(on)``).
    """
    if head is None:
        return rule
    return combine(rule, head, batch.scores[i][column] + added, lambda: batch.top(i, head, column, on))


def _evidence(
    buyer: Decision, service: Decision, intent: Decision, brands: list[str], sentiment: list[str]
) -> dict[str, list[str]]:
    return {
        "buyer": buyer.evidence,
        "service_request": service.evidence,
        "brands": list(dict.fromkeys(brands)),
        "purchase_intent": intent.evidence,
        "sentiment": sentiment,
    }


def _no_evidence(sign: int) -> list[str]:
    return []


_CACHE: dict[tuple[Path, str], TextAnalyzer] = {}
_LOCK = threading.Lock()


def get_analyzer(path: Path | str, backend: Backend = "rjieba") -> TextAnalyzer:
    """The process-wide analyzer for a lexicon file (built on first use, then cached)."""
    key = (Path(path).resolve(), backend)
    with _LOCK:
        analyzer = _CACHE.get(key)
        if analyzer is None:
            analyzer = TextAnalyzer(load_lexicon(key[0]), backend=backend)
            _CACHE[key] = analyzer
            log.info("text analyzer ready for lexicon %s (%d brands, %s)", key[0], len(analyzer.lexicon), backend)
        return analyzer
