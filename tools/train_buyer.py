"""Train the buyer detector's "first-hand review" model (weak supervision, no dev rows).

The rule detector finds explicit buyer evidence (收到, 回购, 用了...). Many buyers write
short reviews without such words ("饺子粘一起了", "配送慢死了"); what marks them is that they
describe the item, the food or the delivery. This script learns that vocabulary with
multinomial naive Bayes (binary features, Laplace smoothing) from two weakly labelled
pools of real text:

* positive: product and takeout reviews (online_shopping_10_cats without its 蒙牛 category,
  which is Weibo chatter about the brand; waimai_10k) -- written by people who bought;
* negative: Weibo original posts and reposts (news, chat, rumours).

The pools are balanced by sampling (seeded). Development rows (dev/labelled.jsonl,
dev/sentiment.jsonl) are excluded. Features are the analyzer's tokens minus brand names of
the lexicon (so no brand becomes evidence of buying); the log-count ratio of each token
is its weight. The detector adds the (clipped) score to its rule score and reports the top
features as evidence.

    .venv/bin/python tools/train_buyer.py [--data /work/shared/data]
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from _corpora import DEFAULT_DATA, reviews, weibo  # noqa: E402

from pipeline.text.analyzer import TextAnalyzer  # noqa: E402
from pipeline.text.buyer_model import buyer_features  # noqa: E402
from pipeline.text.lexicon import load_lexicon  # noqa: E402
from pipeline.text.linear import LinearModel  # noqa: E402

log = logging.getLogger("train_buyer")
OUT = ROOT / "pipeline" / "text" / "data" / "buyer_model.json.gz"
LEXICON = ROOT / "pipeline" / "data" / "lexicon.yaml"
MIN_COUNT = 3
MIN_WEIGHT = 0.25
SMOOTHING = 1.0
SEED = 13


def main() -> None:
    """Train and write the model."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    positive = [r.text for r in reviews(args.data) if r.category != "蒙牛"]
    negative = [r.text for r in weibo(args.data)]
    rng = random.Random(SEED)
    rng.shuffle(positive)
    rng.shuffle(negative)
    n = min(len(positive), len(negative))
    positive, negative = positive[:n], negative[:n]
    log.info("training on %d review texts and %d Weibo texts", n, n)

    analyzer = TextAnalyzer(load_lexicon(LEXICON), backend="rjieba")
    brand_terms = {t for b in analyzer.lexicon.brands for t in b.terms}
    counts = (Counter[str](), Counter[str]())
    for label, texts in ((1, positive), (0, negative)):
        for start in range(0, len(texts), 2000):
            _, tokens = analyzer.prepare(texts[start : start + 2000])
            for toks in tokens:
                counts[label].update(set(buyer_features(toks, brand_terms)))
    vocab = [f for f in counts[0].keys() | counts[1].keys() if counts[0][f] + counts[1][f] >= MIN_COUNT]
    pos_total = sum(counts[1][f] for f in vocab) + SMOOTHING * len(vocab)
    neg_total = sum(counts[0][f] for f in vocab) + SMOOTHING * len(vocab)
    weights: dict[str, float] = {}
    for f in vocab:
        ratio = math.log((counts[1][f] + SMOOTHING) / pos_total) - math.log((counts[0][f] + SMOOTHING) / neg_total)
        if abs(ratio) >= MIN_WEIGHT:
            weights[f] = ratio
    model = LinearModel(
        weights,
        0.0,
        meta={"trained_on": {"positive": n, "negative": n}, "min_count": MIN_COUNT, "seed": SEED},
    )
    model.save(args.out, kind="buyer-nb")
    log.info("wrote %s: %d features, %.0f KB", args.out, len(weights), args.out.stat().st_size / 1024)


if __name__ == "__main__":
    main()
