"""Throughput of TextAnalyzer.analyze_batch on real texts, one core (one process, no threads).

    .venv/bin/python tools/bench_text.py [--backend rjieba|jieba] [--n 20000] [--batch 1000]
                                         [--max-chars 60] [--repeat 3]

Texts: a seeded sample of review, takeout and Weibo texts from /work/shared/data (all of
them, or only those of at most ``--max-chars`` characters). The best of ``--repeat`` runs is
reported, with a reference timing of this machine's Python (``sum(range(1000))``; about
7 us on a current laptop) so that numbers from different machines can be compared.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import timeit
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
    parser.add_argument("--max-chars", type=int, default=0, help="only texts of at most this length (0: all)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    pool = [r.text for r in reviews(args.data)] + [r.text for r in weibo(args.data)]
    if args.max_chars:
        pool = [t for t in pool if len(t) <= args.max_chars]
    rng = random.Random(7)
    texts = [rng.choice(pool) for _ in range(args.n)]
    t0 = time.perf_counter()
    analyzer = TextAnalyzer(load_lexicon(args.lexicon), backend=args.backend)
    build = time.perf_counter() - t0
    analyzer.analyze_batch(texts[:200])  # warm-up
    best = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for start in range(0, len(texts), args.batch):
            analyzer.analyze_batch(texts[start : start + args.batch])
        best = min(best, time.perf_counter() - t0)
    reference = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6
    print(
        f"backend={args.backend} texts={len(texts)} mean_chars={statistics.mean(map(len, texts)):.0f} "
        f"median_chars={statistics.median(map(len, texts)):.0f} batch={args.batch} best_seconds={best:.2f} "
        f"texts_per_s={len(texts) / best:,.0f} build_s={build:.2f} python_ref_us={reference:.1f}"
    )


if __name__ == "__main__":
    main()
