"""The hostile corpus (tests/data/hostile/README.md): decoded or dead-lettered, no event dearer than ordinary text."""

from __future__ import annotations

from functools import lru_cache

import orjson

from pipeline.decode import decode_batch
from pipeline.records import RawRecord
from pipeline.sample import generate_events
from pipeline.text import Analysis
from pipeline.text.normalize import CHAIN_ELIDED, REPOST_CHAIN_MAX
from pipeline.worker.enrich import process_batch
from schemas.events import SocialEvent
from tests.fixtures.hostile import corpus, cpu_seconds
from tests.unit.text._support import analyzer

MAX_COST_RATIO = 5.0
"""How many times the CPU time of an ordinary text of the longest accepted length (20,000 characters of the
sample stream's texts) the analysis of any one hostile event may take (medians of a few runs)."""
REJECTED = {
    "control_chars_text", "ansi_in_name", "ansi_in_id", "rich_markup_id", "too_long_text", "oversized_message",
    "deeply_nested_json", "nested_in_field", "lone_surrogate", "not_json",
}  # fmt: skip


@lru_cache(maxsize=1)
def _decoded() -> tuple[list[tuple[str, SocialEvent]], list[tuple[str, str]]]:
    messages = corpus()
    records = [RawRecord("social.posts", 0, i, raw) for i, (_, raw) in enumerate(messages)]
    valid, dead = decode_batch(records, max_bytes=262144, max_text_chars=20000)
    return ([(messages[rec.offset][0], ev) for rec, ev in valid],
            [(messages[d.offset][0], d.reason) for d in dead])


def test_the_corpus_is_deterministic_and_small() -> None:
    assert corpus() == corpus()
    assert corpus(seed=1) != corpus()
    assert sum(len(raw) for _, raw in corpus()) < 2_000_000


def test_what_must_be_refused_is_dead_lettered_and_the_rest_is_decoded() -> None:
    valid, dead = _decoded()
    assert {label for label, _ in dead} == REJECTED, dead
    assert len(valid) == len(corpus()) - len(REJECTED)
    assert {label for label, _ in valid} >= {"zero_width_and_bidi", "chain_2000", "duplicate_id_a", "duplicate_id_b"}


def test_no_event_costs_more_than_ordinary_text_of_the_longest_length() -> None:
    an = analyzer()
    ordinary = "".join(orjson.loads(line)["text"] for line in generate_events(800, seed=3))[:20000]
    assert len(ordinary) == 20000
    reference = cpu_seconds(lambda: an.analyze(ordinary), runs=5)
    slowest = max(
        ((cpu_seconds(lambda ev=ev: an.analyze(ev.text, title=ev.title)), label) for label, ev in _decoded()[0]),
    )
    assert slowest[0] <= MAX_COST_RATIO * reference, (
        f"analysing {slowest[1]!r} took {slowest[0] * 1000:.2f} ms, ordinary text {reference * 1000:.2f} ms")


def test_a_whole_hostile_batch_is_analysed_and_nothing_is_lost() -> None:
    messages = corpus()
    records = [RawRecord("social.posts", 0, i, raw) for i, (_, raw) in enumerate(messages)]
    result = process_batch(records, analyzer(), max_bytes=262144, max_text_chars=20000, budget=5.0)
    assert len(result.enriched) + len(result.dead_letters) == len(messages)
    assert all(isinstance(item.analysis, Analysis) for item in result.enriched)
    assert {d.reason for d in result.dead_letters} <= {"validation", "too_large", "invalid_json"}
    chains = {item.event.id: item.analysis.repost_chain for item in result.enriched}
    assert len(chains["weibo:chain-2000"]) == REPOST_CHAIN_MAX and chains["weibo:chain-2000"][0] == CHAIN_ELIDED
    assert chains["weibo:chain-2000"][-1] == f"{1999:03x}", "the names nearest the root are kept"


def test_the_stream_draws_every_kind_of_attack_equally_and_never_repeats_a_message() -> None:
    from pipeline.sample.hostile import KINDS, TREE_KINDS, TREE_SIZE, hostile_stream

    kinds = len(KINDS) + len(TREE_KINDS)
    stream = hostile_stream(kinds * TREE_SIZE)
    assert len(set(stream)) == len(stream)
    trees = [orjson.loads(m) for i, m in enumerate(stream) if i % kinds >= len(KINDS)]
    assert len(trees) == len(TREE_KINDS) * TREE_SIZE
    parents = {ev["id"]: ev["parent_id"] for ev in trees}
    deep = [ev for ev in trees if "deep_parent_chain" in ev["id"]]
    node, depth = deep[-1]["id"], 0
    while node in parents:  # the deep chain goes all the way up to its root
        node, depth = parents[node], depth + 1
    assert depth == TREE_SIZE and node.endswith("-root")
    cycle = [ev["id"] for ev in trees if "parent_cycle" in ev["id"]]
    assert all(parents[parents[c]] != c or TREE_SIZE == 2 for c in cycle) and parents[cycle[-1]] == cycle[0]


def test_what_a_worker_sends_to_analysis_normalises_like_the_whole_text() -> None:
    from pipeline.text.normalize import ANALYSED_CHARS, analysed_part, normalize_many

    texts = [ev.text for _, ev in _decoded()[0]]
    texts += ["好" * 5000 + "//@甲:x" * 100, "退款" * 3000, "短文本//@乙:原文"]
    parts = [analysed_part(t) for t in texts]
    assert normalize_many(parts) == normalize_many(texts)
    assert all(len(p) <= max(2 * ANALYSED_CHARS, len(t) - len(t.split("//", 1)[0])) + ANALYSED_CHARS
               for p, t in zip(parts, texts, strict=True))
