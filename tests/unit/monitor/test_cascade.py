"""Cascade reconstruction and metrics on synthetic cascades whose values are worked out by hand."""

from __future__ import annotations

import random

import pytest

from pipeline.monitor.cascade import (
    CascadeNode,
    build_tree,
    cascade_metrics,
    depths,
    structural_virality,
    structural_virality_bruteforce,
)


def node(
    eid: str, name: str, parent: str = "", chain: tuple[str, ...] = (), t: float = 0.0, **kw: object
) -> CascadeNode:
    return CascadeNode(event_id=eid, parent_id=parent, author_id=f"u_{name}", author_name=name,
                       repost_chain=chain, created_at=t, **kw)  # type: ignore[arg-type]


def test_known_structure_from_parent_ids_and_chains() -> None:
    # root R (by Root)
    # ├── a (A, direct)                 level 1
    # │   ├── b (B, //@A)               level 2
    # │   │   └── c (C, //@B//@A)       level 3
    # │   └── e (E, parent_id=a)        level 2  (explicit parent id, no chain)
    # ├── d (D, direct)                 level 1
    # └── f (F, direct, parent_id=R)    level 1
    nodes = [
        node("w:R", "Root", t=0),
        node("w:a", "A", parent="w:R", t=1),
        node("w:b", "B", parent="w:R", chain=("A",), t=2),
        node("w:c", "C", parent="w:R", chain=("B", "A"), t=3),
        node("w:d", "D", t=4),
        node("w:e", "E", parent="w:a", t=5),
        node("w:f", "F", parent="w:R", t=6),
    ]
    m = cascade_metrics("w:R", nodes)
    assert m.size == 7 and m.reposts == 6 and m.inferred == 0
    assert m.max_depth == 3
    assert m.level_counts == (3, 2, 1)
    assert m.level1_share == pytest.approx(3 / 6)
    # pair distances by hand (21 pairs): R:a1 b2 c3 d1 e2 f1 = 10; a: b1 c2 d2 e1 f2 = 8;
    # b: c1 d3 e2 f3 = 9; c: d4 e3 f4 = 11; d: e3 f2 = 5; e: f3 = 3   -> 46 / 21
    assert m.structural_virality == pytest.approx(46 / 21)
    assert [s.author_name for s in m.top_spreaders] == ["A", "B"]
    assert m.top_spreaders[0].descendants == 3


def test_chain_naming_an_unseen_repost_infers_it() -> None:
    # c reposted via B, whose repost of A we never saw: R -> A(inferred) -> B(inferred) -> c
    nodes = [node("w:R", "Root"), node("w:c", "C", chain=("B", "A"), t=3), node("w:x", "X", t=1)]
    tree = build_tree("w:R", nodes)
    assert tree.size == 5 and len(tree.inferred) == 2
    assert depths(tree)["w:c"] == 3
    m = cascade_metrics("w:R", nodes)
    assert m.level_counts == (2, 1, 1)
    # a real repost by A that arrives later takes the inferred node's place
    later = [*nodes, node("w:a", "A", t=0.5)]
    m2 = cascade_metrics("w:R", later)
    assert m2.inferred == 1 and m2.size == 5 and m2.level_counts == (2, 1, 1)


def test_star_and_chain_virality_and_idempotence() -> None:
    star = [node("w:R", "Root")] + [node(f"w:{i}", f"U{i}", t=i) for i in range(10)]
    m = cascade_metrics("w:R", star + star)  # duplicates (replays) change nothing
    assert m.size == 11 and m.max_depth == 1
    # star with n nodes: (2(n-1)^2) / (n(n-1)) = 2(n-1)/n
    assert m.structural_virality == pytest.approx(2 * 10 / 11)
    chain_nodes = [node("w:R", "Root")]
    names: list[str] = []
    for i in range(5):
        chain_nodes.append(node(f"w:{i}", f"U{i}", chain=tuple(reversed(names)), t=i))
        names.append(f"U{i}")
    m = cascade_metrics("w:R", chain_nodes)
    assert m.max_depth == 5 and m.level_counts == (1, 1, 1, 1, 1)
    assert m.structural_virality == pytest.approx(7 / 3)  # path of n=6 nodes: (n+1)/3


def test_exact_virality_matches_bruteforce_on_random_trees() -> None:
    rng = random.Random(4)
    for _ in range(20):
        n = rng.randint(2, 80)
        nodes = [node("w:R", "Root")]
        for i in range(1, n):
            par = rng.choice([x.event_id for x in nodes])
            nodes.append(node(f"w:{i}", f"U{i}", parent=par, t=i))
        tree = build_tree("w:R", nodes)
        assert structural_virality(tree) == pytest.approx(structural_virality_bruteforce(tree.parent, "w:R"))


def test_amplification_needs_shallow_tree_and_low_quality_accounts() -> None:
    bots = [node("w:R", "Root")] + [
        node(f"w:{i}", f"bot{i}", t=i, followers=3, text_hash=42) for i in range(30)
    ]
    m = cascade_metrics("w:R", bots)
    assert m.suspected_amplification and m.duplicate_text_share == 1.0
    fans = [node(f"w:{i}", f"fan{i}", t=i, followers=500, text_hash=i + 1) for i in range(30)]
    genuine = [node("w:R", "Root"), *fans]
    m = cascade_metrics("w:R", genuine)
    assert m.max_depth == 1 and not m.suspected_amplification  # shallow alone is normal
    assert m.reach == 30 * 500
