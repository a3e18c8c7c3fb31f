"""Cascade reconstruction on hostile shapes: linear in the nodes, loops broken, every node placed."""

from __future__ import annotations

from pipeline.monitor.cascade import CascadeNode, build_tree, cascade_metrics, depths
from tests.fixtures.hostile import cascades, doubling_ratio

MAX_RATIO = 3.0
"""Doubling the nodes may cost at most this factor per doubling (2 when linear; the old loop check gave 4).

``doubling_ratio`` measures at ``n == 1`` and ``n == 4``: here 1,000 and 4,000 nodes, two doublings."""


def _nodes(shape: str, size: int) -> list[CascadeNode]:
    return [CascadeNode("r"), *(CascadeNode(**kw) for kw in cascades(size)[shape])]


def test_every_shape_is_linear_in_its_nodes() -> None:
    for shape in ("deep", "wide", "loop", "chains", "duplicates"):
        small, large = _nodes(shape, 1000), _nodes(shape, 4000)
        ratio = doubling_ratio(lambda n, s=small, big=large: cascade_metrics("r", s if n == 1 else big), 1)
        assert ratio <= MAX_RATIO, f"cascade {shape!r}: doubling the nodes cost {ratio:.1f}x"


def test_a_parent_loop_hangs_under_the_root_and_the_deep_chain_keeps_its_depth() -> None:
    loop = build_tree("r", _nodes("loop", 500))
    d = depths(loop)
    assert len(d) == loop.size == 501, "every node of the loop is reachable from the root"
    deep = cascade_metrics("r", _nodes("deep", 4000))
    assert deep.max_depth == 4000 and deep.reposts == 4000


def test_duplicate_ids_are_kept_once() -> None:
    tree = build_tree("r", _nodes("duplicates", 400))
    assert tree.size == 101 and len(depths(tree)) == 101
