"""New-word discovery: cohesive character n-grams free at both ends, unknown to the dictionary."""

from __future__ import annotations

import random

from pipeline.text.new_words import discover

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
