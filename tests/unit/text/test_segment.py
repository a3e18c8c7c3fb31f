"""Segmentation: rjieba gives jieba's tokens, dictionaries are per analyzer, names are one token."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from pipeline.text import TextAnalyzer, load_lexicon
from pipeline.text.analyzer import lexicon_words
from pipeline.text.normalize import normalize_many
from pipeline.text.segment import main_dictionary, make_segmenter, tokenize_many, user_dictionary
from tests.unit.text._support import DEV_LEXICON, LABELLED, SENTIMENT, SHARED, analyzer, rows


def _shared_sample(n: int = 3000, seed: int = 11) -> list[str]:
    texts: list[str] = []
    with (SHARED / "reviews" / "online_shopping_10_cats.csv").open(encoding="utf-8") as fh:
        texts += [r["review"] for r in csv.DictReader(fh)]
    with (SHARED / "reviews" / "waimai_10k.csv").open(encoding="utf-8") as fh:
        texts += [r["review"] for r in csv.DictReader(fh)]
    for name in ("ced_original_posts.jsonl", "ced_reposts.jsonl"):
        with (SHARED / "weibo" / name).open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh]
    with (SHARED / "service_dialogues" / "ecd_dialogues.jsonl").open(encoding="utf-8") as fh:
        texts += [t for line in fh for t in json.loads(line)["context_turns"]]
    texts = [t for t in texts if t]
    return random.Random(seed).sample(texts, n)


def _tokens(backend: str, texts: list[str]) -> list[list[str]]:
    words = user_dictionary(lexicon_words(load_lexicon(DEV_LEXICON)))
    seg = make_segmenter(backend, words)  # type: ignore[arg-type]
    return tokenize_many(seg, [n.detect_text for n in normalize_many(texts)])


def test_rjieba_equals_jieba_on_the_bundled_dev_texts() -> None:
    texts = [r["text"] for r in rows(LABELLED) + rows(SENTIMENT)]
    assert len(texts) > 1500
    assert _tokens("rjieba", texts) == _tokens("jieba", texts)


@pytest.mark.skipif(not SHARED.exists(), reason="shared corpora not available")
def test_rjieba_equals_jieba_on_a_sample_of_the_shared_corpora() -> None:
    texts = _shared_sample()
    fast, reference = _tokens("rjieba", texts), _tokens("jieba", texts)
    diffs = [(t, a, b) for t, a, b in zip(texts, fast, reference, strict=True) if a != b]
    assert diffs == []


def test_user_dictionary_keeps_the_total_frequency() -> None:
    main = main_dictionary()
    entries = dict(user_dictionary({"特仑苏": 2000, "安慕希": 2000, "京东": 2000}))
    before = sum(main.values())
    after = before + sum(f - main.get(w, 0) for w, f in entries.items())
    assert after == before
    assert entries["特仑苏"] == 2000 and entries["京东"] >= main["京东"]


def test_brand_and_domain_words_are_single_tokens() -> None:
    toks = analyzer().analyze("特仑苏和安慕希都喝过，莫斯利安也不错，晒单种草了，还会回购").tokens
    for word in ("特仑苏", "安慕希", "莫斯利安", "晒单", "种草", "回购"):
        assert word in toks


def test_two_lexicons_coexist(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text("brands:\n  - name: 认养一头牛\n    own: true\n", encoding="utf-8")
    text = "今天喝了认养一头牛的牛奶"
    for backend in ("rjieba", "jieba"):
        mine = TextAnalyzer(load_lexicon(path), backend=backend)  # type: ignore[arg-type]
        a = mine.analyze(text)
        assert "认养一头牛" in a.tokens and a.brands == ["认养一头牛"]
        assert "认养一头牛" not in analyzer(backend).analyze(text).tokens  # the dev lexicon's analyzer
    import jieba

    assert not jieba.dt.FREQ.get("认养一头牛")  # never the process-wide default dictionary


def test_backends_agree_on_whole_analyses() -> None:
    texts = [r["text"] for r in rows(LABELLED)][:120]
    fast = analyzer("rjieba").analyze_batch(texts)
    reference = analyzer("jieba").analyze_batch(texts)
    assert [a.classify_record("x") for a in fast] == [a.classify_record("x") for a in reference]


def test_user_dictionary_compensates_from_the_most_frequent_words() -> None:
    main = main_dictionary()
    entries = user_dictionary({"特仑苏": 2000, "安慕希": 2000})
    user, compensated = entries[:2], dict(entries[2:])
    assert user == [("特仑苏", 2000), ("安慕希", 2000)]
    most_frequent_han = sorted((f, w) for w, f in main.items() if all("\u4e00" <= c <= "\u9fd5" for c in w))[-300:]
    assert set(compensated) == {w for _, w in most_frequent_han}
    assert all(0 < compensated[w] <= main[w] for w in compensated)


def test_releasing_the_module_dictionary_leaves_own_segmenters_whole() -> None:
    # in a child process: it empties rjieba's module-level default for the whole process
    import subprocess
    import sys

    script = (
        "import rjieba\n"
        "from pipeline.text.segment import make_segmenter, release_module_dictionary\n"
        "seg = make_segmenter('rjieba', [('特仑苏', 2000)])\n"
        "assert rjieba.has_word('牛奶')\n"
        "release_module_dictionary()\n"
        "assert not rjieba.has_word('牛奶')\n"
        "print(seg.cut('特仑苏牛奶很好喝'))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(["特仑苏", "牛奶", "很", "好喝"])
