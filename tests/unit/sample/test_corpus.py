"""The bundled corpus: size, content, and no held-out dev text."""

from __future__ import annotations

from collections import Counter

from pipeline.sample.corpus import CORPUS_PATH, OWN_BRAND, WAIMAI, load_corpus, read_records
from schemas.events import VerifiedType
from tests.unit.sample.helpers import dev_rows


def test_corpus_is_small_and_has_every_kind() -> None:
    assert CORPUS_PATH.stat().st_size <= 2_500_000
    kinds = Counter(r["kind"] for r in read_records())
    assert set(kinds) == {"weibo_post", "cascade", "weibo_reaction", "review", "service"}
    corpus = load_corpus()
    assert len(corpus.posts) > 1000 and len(corpus.cascades) >= 20
    assert {OWN_BRAND, WAIMAI, "手机", "水果"} <= set(corpus.categories)
    assert corpus.service_first and corpus.service_other and corpus.long_reviews


def test_no_dev_text_or_id_in_corpus() -> None:
    rows = dev_rows()
    dev_texts = {str(r["text"]) for r in rows} | {str(r["text"]).strip() for r in rows}
    dev_ids = {str(r["id"]) for r in rows}
    corpus = load_corpus()
    assert not corpus.all_texts() & dev_texts
    ecd_dialogues = {i for i in corpus.source_ids if i.startswith("ecd_")}
    assert not corpus.source_ids & dev_ids
    assert not ecd_dialogues & dev_ids


def test_weibo_posts_have_real_profiles_with_mapped_verified_types() -> None:
    corpus = load_corpus()
    users = [p.user for p in corpus.posts if p.user is not None]
    assert len(users) > 0.9 * len(corpus.posts)
    allowed = {v.value for v in VerifiedType}
    assert {u["verified_type"] for u in users} <= allowed
    by_code = {u["sina_verified_type"]: u["verified_type"] for u in users}
    assert by_code[-1] == "none" and by_code[0] == "personal" and by_code[3] == "media"
    assert by_code[2] == "enterprise" and by_code[220] == "kol"


def test_commerce_and_brand_posts_are_all_kept() -> None:
    records = [r for r in read_records() if r["kind"] == "weibo_post"]
    assert sum(r["commerce"] for r in records) >= 400
    assert any("蒙牛" in r["brands"] for r in records)


def test_cascades_are_whole_trees_in_parent_first_order() -> None:
    corpus = load_corpus()
    patterns = Counter(c.pattern for c in corpus.cascades)
    assert patterns["water_army"] >= 3 and patterns["organic_deep"] >= 3
    for cascade in corpus.cascades:
        assert 0 < len(cascade.reposts) <= 300
        mids = [r.mid for r in cascade.reposts]
        assert len(set(mids)) == len(mids)
        for i, repost in enumerate(cascade.reposts):
            assert -1 <= repost.parent < i
            assert "//@" not in repost.text
    water = [c for c in corpus.cascades if c.pattern == "water_army"]
    assert all(sum(r.bot for r in c.reposts) >= 10 for c in water)
    most_repeated = max(Counter(r.text for r in water[0].reposts if r.text).values())
    assert most_repeated >= 10
