"""Train the sentiment model and the keyword idf table from the review corpora.

Data: /work/shared/data/reviews/online_shopping_10_cats.csv (10 categories, label 1/0) and
waimai_10k.csv (takeout reviews, label 1/0), minus every id and text of
dev/sentiment.jsonl and dev/labelled.jsonl (those rows are for measuring only).

Features: ``pipeline.text.sentiment.features`` of the analyzer's tokens (words, negation
marking ``!好吃`` within two words after 不/没/别..., emoticons).
Features seen in fewer than ``--min-count`` training texts are dropped.

Model: L2-regularised logistic regression fitted with full-batch Adam in numpy (seeded,
deterministic). Classes are weighted so that each corpus (shopping, takeout) and each label
weigh the same. Only weights with ``|w| >= --min-weight`` are kept, and the file is gzipped
JSON (pipeline/text/data/sentiment_model.json.gz).

The same run writes pipeline/text/data/idf.json.gz: the inverse document frequency of every
word seen in at least 3 texts of all corpora (reviews, Weibo posts and reposts), used by the
keyword extractor.

It prints the accuracy on dev/sentiment.jsonl (measuring only, never used for fitting).

    .venv/bin/python tools/train_sentiment.py [--data /work/shared/data]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from _corpora import DEFAULT_DATA, reviews, weibo  # noqa: E402

from pipeline.text.analyzer import TextAnalyzer  # noqa: E402
from pipeline.text.lexicon import load_lexicon  # noqa: E402
from pipeline.text.linear import LinearModel  # noqa: E402
from pipeline.text.sentiment import features  # noqa: E402

log = logging.getLogger("train_sentiment")
DATA_OUT = ROOT / "pipeline" / "text" / "data"
LEXICON = ROOT / "pipeline" / "data" / "lexicon.yaml"


def _tokenize(analyzer: TextAnalyzer, texts: list[str]) -> list[tuple[list[str], list[str]]]:
    out: list[tuple[list[str], list[str]]] = []
    for start in range(0, len(texts), 2000):
        norms, tokens = analyzer.prepare(texts[start : start + 2000])
        out.extend((t, n.emoticons) for n, t in zip(norms, tokens, strict=True))
    return out


def fit_logistic(
    rows: np.ndarray, cols: np.ndarray, y: np.ndarray, sample_w: np.ndarray, dim: int, l2: float, epochs: int
) -> tuple[np.ndarray, float]:
    """L2 logistic regression on a sparse 0/1 design (row, col) with full-batch Adam."""
    n = len(y)
    w = np.zeros(dim)
    b = 0.0
    m_w = np.zeros(dim)
    v_w = np.zeros(dim)
    m_b = v_b = 0.0
    lr, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    total_w = sample_w.sum()
    for t in range(1, epochs + 1):
        z = np.bincount(rows, weights=w[cols], minlength=n) + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        g = (p - y) * sample_w / total_w
        grad_w = np.bincount(cols, weights=g[rows], minlength=dim) + l2 * w
        grad_b = g.sum()
        m_w = beta1 * m_w + (1 - beta1) * grad_w
        v_w = beta2 * v_w + (1 - beta2) * grad_w**2
        m_b = beta1 * m_b + (1 - beta1) * grad_b
        v_b = beta2 * v_b + (1 - beta2) * grad_b**2
        w -= lr * (m_w / (1 - beta1**t)) / (np.sqrt(v_w / (1 - beta2**t)) + eps)
        b -= lr * (m_b / (1 - beta1**t)) / (math.sqrt(v_b / (1 - beta2**t)) + eps)
        if t % 50 == 0:
            log.info("epoch %d: train accuracy %.4f", t, float(((p > 0.5) == (y > 0.5)).mean()))
    return w, b


def write_idf(analyzer: TextAnalyzer, texts: list[str], path: Path) -> None:
    """Inverse document frequencies of words seen in at least 3 texts."""
    df: Counter[str] = Counter()
    for toks, _ in _tokenize(analyzer, texts):
        df.update({t for t in toks if len(t) >= 2 and not t.isdigit()})
    n = len(texts)
    idf = {w: round(math.log(n / c), 3) for w, c in df.items() if c >= 3}
    data = {"docs": n, "default": round(math.log(n / 2), 3), "idf": dict(sorted(idf.items()))}
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    log.info("wrote %s: %d words, %.0f KB", path, len(idf), path.stat().st_size / 1024)


def main() -> None:
    """Train, measure on dev/sentiment.jsonl and write the model files."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DATA_OUT)
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--min-weight", type=float, default=0.05)
    parser.add_argument("--l2", type=float, default=2e-5)
    parser.add_argument("--epochs", type=int, default=300)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    analyzer = TextAnalyzer(load_lexicon(LEXICON), backend="rjieba")
    train = reviews(args.data)
    log.info("training rows: %d (dev rows excluded)", len(train))
    feats = [features(t, e) for t, e in _tokenize(analyzer, [r.text for r in train])]
    df: Counter[str] = Counter()
    for f in feats:
        df.update(set(f))
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in df.items() if c >= args.min_count))}
    rows_l: list[int] = []
    cols_l: list[int] = []
    for i, f in enumerate(feats):
        idx = {vocab[x] for x in f if x in vocab}
        rows_l.extend([i] * len(idx))
        cols_l.extend(idx)
    rows = np.array(rows_l, dtype=np.int64)
    cols = np.array(cols_l, dtype=np.int64)
    y = np.array([float(r.label) for r in train])
    groups = Counter((r.source, r.label) for r in train)
    sample_w = np.array([len(train) / (len(groups) * groups[(r.source, r.label)]) for r in train])
    log.info("features: %d, non-zeros: %d", len(vocab), len(rows))
    w, b = fit_logistic(rows, cols, y, sample_w, len(vocab), args.l2, args.epochs)
    inv = {i: f for f, i in vocab.items()}
    weights = {inv[i]: float(w[i]) for i in range(len(w)) if abs(w[i]) >= args.min_weight}
    meta = {
        "trained_on": dict(Counter(r.source for r in train)),
        "features": "words, !negated words, emoticons",
        "l2": args.l2,
        "epochs": args.epochs,
        "min_count": args.min_count,
        "neutral_band": 0.05,
        "min_evidence": 1.0,
    }
    model = LinearModel(weights, float(b), meta)
    path = args.out / "sentiment_model.json.gz"
    model.save(path, kind="sentiment-logreg")
    log.info("wrote %s: %d features, %.0f KB", path, len(weights), path.stat().st_size / 1024)

    dev = [json.loads(line) for line in (args.data / "dev" / "sentiment.jsonl").open(encoding="utf-8")]
    fresh = TextAnalyzer(load_lexicon(LEXICON), backend="rjieba")
    from pipeline.text.sentiment import load_model

    load_model.cache_clear()
    from pipeline.text.linear import load_linear

    load_linear.cache_clear()
    fresh.sentiment_model = load_model(path)
    predicted = [a.sentiment for a in fresh.analyze_batch([r["text"] for r in dev])]
    acc = sum(p == r["sentiment"] for p, r in zip(predicted, dev, strict=True)) / len(dev)
    log.info("dev/sentiment.jsonl accuracy: %.4f (%d rows)", acc, len(dev))

    write_idf(analyzer, [r.text for r in train] + [r.text for r in weibo(args.data)], args.out / "idf.json.gz")


if __name__ == "__main__":
    main()
