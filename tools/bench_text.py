"""Throughput of TextAnalyzer.analyze_batch on real short texts, one core.

    .venv/bin/python tools/bench_text.py [--backend rjieba|jieba] [--n 20000] [--batch 1000]

Texts: a seeded sample of review, takeout and Weibo texts from /work/shared/data (median
length about 25 characters). Prints texts/s to stdout.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from _corpora import DEFAULT_DATA, reviews, weibo  # noqa: E402

from pipeline.text import TextAnalyzer, load_lexicon  # noqa: E402


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="rjieba", choices=["rjieba", "jieba"])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--lexicon", type=Path, default=ROOT / "pipeline" / "data" / "lexicon.yaml")
    args = parser.parse_args()
    pool = [r.text for r in reviews(args.data)] + [r.text for r in weibo(args.data)]
    rng = random.Random(7)
    texts = [rng.choice(pool) for _ in range(args.n)]
    t0 = time.perf_counter()
    analyzer = TextAnalyzer(load_lexicon(args.lexicon), backend=args.backend)
    build = time.perf_counter() - t0
    analyzer.analyze_batch(texts[:200])  # warm-up
    t0 = time.perf_counter()
    for start in range(0, len(texts), args.batch):
        analyzer.analyze_batch(texts[start : start + args.batch])
    elapsed = time.perf_counter() - t0
    print(
        f"backend={args.backend} texts={len(texts)} median_chars={statistics.median(map(len, texts)):.0f} "
        f"batch={args.batch} seconds={elapsed:.2f} texts_per_s={len(texts) / elapsed:,.0f} build_s={build:.2f}"
    )


if __name__ == "__main__":
    main()
