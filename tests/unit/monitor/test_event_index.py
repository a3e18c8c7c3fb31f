"""Near-duplicate clustering: SimHash fingerprints, the banded index and its precision on labelled pairs."""

from __future__ import annotations

import random

import pytest

from pipeline.monitor.event_index import EventIndex
from pipeline.sample.near_copies import corpus_texts, edit, labelled_stream, pair_scores
from pipeline.text.simhash import Fingerprint, fingerprints, hamming

POST = "今天喝了蒙牛的新品牛奶，味道真不错，推荐大家都去试试看"


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return corpus_texts()


def test_emoji_punctuation_and_case_do_not_change_the_fingerprint() -> None:
    noisy = "今天😀喝了蒙牛的新品牛奶！！味道真不错～推荐大家都去试试看🔥🔥"
    a, b = fingerprints([POST, noisy])
    assert a == b and a.simhash != 0 and len(a.anchors) == 4
    assert fingerprints(["ABC牛奶真好喝呀呀呀"]) == fingerprints(["abc牛奶真好喝呀呀呀"])


def test_short_texts_are_not_fingerprinted_and_batches_do_not_mix() -> None:
    short, post, other = fingerprints(["转发微博", POST, "完全不同的一条微博内容讲的是天气和交通情况"])
    assert short == Fingerprint(0, ())
    assert fingerprints([POST])[0] == post  # alone or in a batch: the same fingerprint
    assert hamming(post.simhash, other.simhash) > 16
    assert fingerprints([]) == []
    many = fingerprints([POST, *["短"] * 20_000, POST])  # more texts than one vectorised pass takes
    assert many[0] == many[-1] == post and many[1] == short


def test_one_edit_moves_the_fingerprint_a_little() -> None:
    rng = random.Random(3)
    base = fingerprints([POST])[0].simhash
    edited = fingerprints([edit(POST, 1, rng, "天地人")])[0].simhash
    assert hamming(base, edited) <= 12


def test_copies_join_the_first_post_and_reposts_join_their_root() -> None:
    index = EventIndex(capacity=100)
    first, copy, other = fingerprints(
        [POST, "今天喝了蒙牛的新品牛奶，味道真不错！推荐大家都去试试😀", "完全不同的一条微博内容讲的是天气和交通情况"])
    assert index.assign("weibo:1", first).how == "new"
    joined = index.assign("weibo:2", copy)
    assert (joined.event_id, joined.how) == ("weibo:1", "copy")
    assert index.assign("weibo:3", other).event_id == "weibo:3"
    assert index.assign("weibo:4", Fingerprint(0, ()), root_id="weibo:2").event_id == "weibo:1"
    assert index.assign("weibo:5", Fingerprint(0, ()), root_id="weibo:99").event_id == "weibo:99"
    assert index.assign("weibo:2", other).event_id == "weibo:1"  # replayed: the same event as before


def test_memory_is_bounded_by_generations() -> None:
    index = EventIndex(capacity=10)
    fps = fingerprints([f"这是第{i}条完全不同的测试微博内容编号{i * 7919}" for i in range(50)])
    for i, fp in enumerate(fps):
        index.assign(f"weibo:{i}", fp)
    assert len(index) <= 10


def test_pair_precision_and_recall_on_edited_copies(texts: list[str]) -> None:
    """Copies edited by 1-3 characters with emoji/punctuation vs distinct real posts (acceptance 2)."""
    items = labelled_stream(texts, originals=400, distinct=1200, seed=5)
    fps = fingerprints([item.text for item in items])
    index = EventIndex()
    scores = pair_scores(items, [index.assign(i.post_id, fp).event_id for i, fp in zip(items, fps, strict=True)])
    assert scores.true_pairs > 500
    assert scores.precision >= 0.95
    assert scores.recall >= 0.90


def test_bands_alone_miss_edited_copies(texts: list[str]) -> None:
    """Why the anchors: within 3 bits (the bands' guarantee) most 3-character edits are not found."""
    items = [i for i in labelled_stream(texts, originals=200, distinct=0, seed=6) if i.edits in (0, 3)]
    fps = fingerprints([item.text for item in items])
    index = EventIndex(radius=3)
    scores = pair_scores(items, [index.assign(i.post_id, fp).event_id for i, fp in zip(items, fps, strict=True)])
    assert scores.recall < 0.5
