"""New-word discovery: cohesive character n-grams free at both ends, unknown to the dictionary."""

from __future__ import annotations

import math
import random
import re
from collections import Counter

from pipeline.text.new_words import EDGE_STOPS, discover

FILLER = "今天天气真好我们一起去公园散步然后吃饭看电影聊天购物回家睡觉"


def _texts(word: str, n: int, seed: int = 1) -> list[str]:
    """``n`` texts with ``word`` between varied random neighbours."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        left = "".join(rng.choice(FILLER) for _ in range(rng.randint(3, 8)))
        right = "".join(rng.choice(FILLER) for _ in range(rng.randint(3, 8)))
        out.append(f"{left}{word}{right}，{''.join(rng.sample(FILLER, 6))}")
    return out


def test_a_new_brand_name_is_found_and_its_fragments_are_not() -> None:
    found = {w.word: w for w in discover(_texts("果粒橙", 40))}
    assert "果粒橙" in found
    assert found["果粒橙"].count == 40 and found["果粒橙"].cohesion > 2 and found["果粒橙"].left_entropy > 1
    assert "果粒" not in found and "粒橙" not in found  # always followed / preceded by the same character


def test_known_words_rare_words_and_function_edges_are_left_out() -> None:
    texts = _texts("果粒橙", 40)
    assert "果粒橙" not in {w.word for w in discover(texts, known={"果粒橙"})}
    assert "果粒橙" not in {w.word for w in discover(_texts("果粒橙", 2), min_count=3)}  # seen twice only
    glued = discover(_texts("买了果粒橙", 40))
    assert all(not w.word.startswith("了") and not w.word.endswith("了") for w in glued)


def test_no_chinese_text_finds_nothing() -> None:
    assert discover(["hello world", "12345", ""]) == []


def _reference(texts: list[str], known: set[str], min_count: int = 3, min_cohesion: float = 2.0,
               min_entropy: float = 1.0) -> list[tuple[str, int, float, float, float]]:
    """The module's criteria counted the plain way, occurrence by occurrence (the oracle of the numpy counts)."""
    runs = [run for text in texts for run in re.findall(r"[\u4e00-\u9fff]+", text)]
    grams: Counter[str] = Counter(run[i:i + n] for run in runs for n in range(1, 5) for i in range(len(run) - n + 1))
    chars = sum(map(len, runs))
    out = []
    for g, c in grams.items():
        if len(g) < 2 or c < min_count or g in known or g[0] in EDGE_STOPS or g[-1] in EDGE_STOPS:
            continue
        coh = min(math.log((c / chars) / ((grams[g[:k]] / chars) * (grams[g[k:]] / chars))) for k in range(1, len(g)))
        if coh < min_cohesion:
            continue
        sides: list[float] = []
        for side in (0, 1):
            near: Counter[str] = Counter()
            edges = 0
            for run in runs:
                for i in range(len(run) - len(g) + 1):
                    if run[i:i + len(g)] == g:
                        j = i - 1 if side == 0 else i + len(g)
                        if 0 <= j < len(run):
                            near[run[j]] += 1
                        else:
                            edges += 1
            total = sum(near.values()) + edges
            sides.append(-sum(v / total * math.log(v / total) for v in near.values()) + edges / total * math.log(total))
        if min(round(sides[0], 3), round(sides[1], 3)) >= min_entropy:
            out.append((g, c, round(coh, 3), round(sides[0], 3), round(sides[1], 3)))
    return sorted(out, key=lambda w: (-w[1] * min(w[3], w[4]), w[0]))


def test_the_counts_agree_with_counting_occurrence_by_occurrence() -> None:
    rng = random.Random(7)
    alphabet = "果粒橙蒙牛伊利的了好喝不错物流快递客服退款奶茶咖啡"  # few characters: repeated grams, function edges
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) + rng.choice(["，", "!", "ok", ""])
             + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(400)]
    known = {"蒙牛", "伊利", "好喝"}
    got = [(w.word, w.count, w.cohesion, w.left_entropy, w.right_entropy)
           for w in discover(texts, known, min_cohesion=0.5, min_entropy=0.5, limit=10_000)]
    assert got == _reference(texts, known, min_cohesion=0.5, min_entropy=0.5)
    assert len(got) > 20
