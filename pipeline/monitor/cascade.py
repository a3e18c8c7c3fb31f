"""Repost cascades as trees: reconstruction from parent ids and ``//@`` chains, and their metrics.

Pure functions, no Kafka or ClickHouse. A cascade is the tree of one root post and every repost
of it. A repost's parent is found, in order of preference:

1. from its ``parent_id``, when that names another repost of the cascade;
2. from its ``//@`` chain (``repost_chain``, nearest first): the chain is the path from the root,
   read backwards. ``转发 //@B: ... //@A: ...`` reposted B's repost of A's repost of the root, so the
   path is root → A → B → this. Each step matches an existing child by author name; a step with
   no matching repost is an *inferred* node (the repost surely happened; we just did not see it);
3. otherwise the root (a direct repost, level 1).

Structural virality (Goel, Anderson, Hofman & Watts 2015) is the mean shortest-path distance
over all pairs of nodes. In a tree it equals the Wiener index divided by the number of pairs,
and the Wiener index is the sum over edges of ``s * (n - s)`` (``s``: nodes below the edge), so it
is computed exactly in linear time for any size - no sampling or approximation.
"""

from __future__ import annotations

import itertools
import logging
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

AMPLIFICATION_MIN_REPOSTS = 20
"""Smaller cascades are never flagged."""
AMPLIFICATION_MIN_LEVEL1_SHARE = 0.9
"""Shallow: at least this share of the reposts hang directly under the root ..."""
AMPLIFICATION_MAX_DEPTH = 2
"""... and the tree is at most this deep."""
AMPLIFICATION_MIN_SUSPECT_SHARE = 0.4
"""... and at least this share of the reposting accounts look low-quality (see :func:`suspect_reposter`)."""
DUPLICATE_TEXT_MIN = 3
"""Reposts whose own text appears at least this often in one cascade count as duplicate texts."""
TOP_SPREADERS = 5


@dataclass(frozen=True, slots=True)
class CascadeNode:
    """One repost (or the root post) as the cascade needs it."""

    event_id: str
    parent_id: str = ""
    author_id: str = ""
    author_name: str = ""
    repost_chain: tuple[str, ...] = ()
    """User names of the ``//@`` chain, nearest first."""
    followers: int = 0
    posts: int = 0
    created_at: float = 0.0
    """Seconds since the epoch (orders reposts; earlier ones become the parents)."""
    text_hash: int = 0
    """Hash of the repost's own text (0: too short to compare, e.g. the default 转发微博)."""
    suspect_account: bool = False
    """The account looks low-quality on its own (few followers and very many posts, new account)."""


@dataclass(slots=True)
class CascadeTree:
    """A reconstructed tree: parent of every node except the root."""

    root_id: str
    parent: dict[str, str]
    nodes: dict[str, CascadeNode]
    """Real nodes by id (the root post only if it was seen)."""
    inferred: set[str] = field(default_factory=set)
    """Ids of inferred nodes (reposts known only from ``//@`` chains)."""
    names: dict[str, str] = field(default_factory=dict)
    """Author name of every node, inferred ones included."""

    @property
    def size(self) -> int:
        """Number of nodes including the root."""
        return len(self.parent) + 1

    def children(self) -> dict[str, list[str]]:
        """Children lists (sorted) of every node with children."""
        out: dict[str, list[str]] = defaultdict(list)
        for child, par in self.parent.items():
            out[par].append(child)
        for kids in out.values():
            kids.sort()
        return out


@dataclass(frozen=True, slots=True)
class Spreader:
    """A reposter whose repost was reposted further."""

    author_name: str
    event_id: str
    level: int
    descendants: int


@dataclass(frozen=True, slots=True)
class CascadeMetrics:
    """What the dashboards show for one cascade."""

    root_id: str
    size: int
    reposts: int
    inferred: int
    max_depth: int
    level_counts: tuple[int, ...]
    """Reposts at depth 1, 2, ... max_depth."""
    level1_share: float
    structural_virality: float
    reach: int
    unique_reposters: int
    suspect_share: float
    duplicate_text_share: float
    top_spreaders: tuple[Spreader, ...]
    suspected_amplification: bool
    amplification_score: float


def build_tree(root_id: str, nodes: Iterable[CascadeNode]) -> CascadeTree:
    """Reconstruct the tree of one cascade (see the module docstring for the rules).

    Duplicate events (same id) are kept once, so the result does not change on replays.
    """
    real: dict[str, CascadeNode] = {}
    for node in nodes:
        real.setdefault(node.event_id, node)
    parent: dict[str, str] = {}
    names: dict[str, str] = {nid: n.author_name for nid, n in real.items()}
    root = real.get(root_id)
    names.setdefault(root_id, root.author_name if root else "")
    reposts = [n for nid, n in real.items() if nid != root_id]
    # explicit edges first: they need no search
    placed_by_chain: list[CascadeNode] = []
    for n in reposts:
        if n.parent_id and n.parent_id != root_id and n.parent_id in real and n.parent_id != n.event_id:
            parent[n.event_id] = n.parent_id
        else:
            placed_by_chain.append(n)
    # children by author name, for the chain walk; real nodes win over inferred ones
    by_name: dict[tuple[str, str], str] = {}
    for child, par in sorted(parent.items(), key=lambda kv: _order(real[kv[0]])):
        by_name.setdefault((par, real[child].author_name), child)
    inferred: set[str] = set()
    made = itertools.count()
    # shorter chains first, so the reposts a chain names are placed before the reposts naming them
    for n in sorted(placed_by_chain, key=lambda x: (len(x.repost_chain), *_order(x))):
        cur = root_id
        for name in reversed(n.repost_chain):
            nxt = by_name.get((cur, name))
            if nxt is None:
                nxt = f"{root_id}/@{next(made)}:{name}"  # not the path: ids would grow with the depth
                inferred.add(nxt)
                parent[nxt] = cur
                names[nxt] = name
                by_name[(cur, name)] = nxt
            cur = nxt
        parent[n.event_id] = cur
        key = (cur, n.author_name)
        existing = by_name.get(key)
        if existing is None:
            by_name[key] = n.event_id
        elif existing in inferred:
            _adopt(parent, inferred, names, by_name, existing, n.event_id, key)
    _break_cycles(root_id, parent)
    return CascadeTree(root_id, parent, real, inferred, names)


def _order(n: CascadeNode) -> tuple[float, str]:
    return (n.created_at, n.event_id)


def _adopt(
    parent: dict[str, str], inferred: set[str], names: dict[str, str],
    by_name: dict[tuple[str, str], str], placeholder: str, real_id: str, key: tuple[str, str],
) -> None:
    """A real repost turned up for an inferred node: it takes over the inferred node's children."""
    for child, par in list(parent.items()):
        if par == placeholder:
            parent[child] = real_id
    for k, v in list(by_name.items()):
        if k[0] == placeholder:
            by_name[(real_id, k[1])] = v
            del by_name[k]
    del parent[placeholder]
    inferred.discard(placeholder)
    names.pop(placeholder, None)
    by_name[key] = real_id


def _break_cycles(root_id: str, parent: dict[str, str]) -> None:
    """Malformed parent ids can form a loop: hang such nodes under the root.

    Linear in the nodes: every node is walked over once, a walk stops at a node an earlier walk
    already settled (whose path to the root is known to be free of loops).
    """
    settled: set[str] = {root_id}
    for start in list(parent):
        path: list[str] = []
        on_path: set[str] = set()
        cur = start
        while cur in parent and cur not in settled:
            if cur in on_path:
                log.warning("cascade %s: parent loop at %s; attaching it to the root", root_id, cur)
                parent[cur] = root_id
                break
            on_path.add(cur)
            path.append(cur)
            cur = parent[cur]
        settled.update(path)


def depths(tree: CascadeTree) -> dict[str, int]:
    """Distance from the root of every node (root: 0)."""
    kids = tree.children()
    out = {tree.root_id: 0}
    queue = deque([tree.root_id])
    while queue:
        cur = queue.popleft()
        for child in kids.get(cur, ()):
            out[child] = out[cur] + 1
            queue.append(child)
    return out


def subtree_sizes(tree: CascadeTree) -> dict[str, int]:
    """Number of nodes in the subtree of every node (itself included)."""
    d = depths(tree)
    sizes = dict.fromkeys(d, 1)
    for node in sorted(d, key=lambda x: -d[x]):
        par = tree.parent.get(node)
        if par is not None:
            sizes[par] += sizes[node]
    return sizes


def level_counts(tree: CascadeTree) -> list[int]:
    """Nodes at depth 1, 2, ..."""
    d = depths(tree)
    top = max(d.values(), default=0)
    counts = [0] * top
    for value in d.values():
        if value:
            counts[value - 1] += 1
    return counts


def structural_virality(tree: CascadeTree) -> float:
    """Mean distance between all pairs of nodes (0 for a lone root); exact, O(n)."""
    n = tree.size
    if n < 2:
        return 0.0
    sizes = subtree_sizes(tree)
    wiener = sum(sizes[child] * (n - sizes[child]) for child in tree.parent)
    return 2.0 * wiener / (n * (n - 1))


def structural_virality_bruteforce(parent: dict[str, str], root_id: str) -> float:
    """All-pairs BFS; for tests and for checking :func:`structural_virality` (O(n^2))."""
    adj: dict[str, set[str]] = defaultdict(set)
    for child, par in parent.items():
        adj[child].add(par)
        adj[par].add(child)
    nodes = sorted(set(adj) | {root_id})
    if len(nodes) < 2:
        return 0.0
    total = 0
    for src in nodes:
        dist = {src: 0}
        queue = deque([src])
        while queue:
            cur = queue.popleft()
            for nxt in adj[cur]:
                if nxt not in dist:
                    dist[nxt] = dist[cur] + 1
                    queue.append(nxt)
        total += sum(dist.values())
    return total / (len(nodes) * (len(nodes) - 1))


def suspect_reposter(node: CascadeNode, duplicate_hashes: set[int]) -> bool:
    """Low-quality reposting account: suspect on its own, or posting a text many others posted too."""
    return node.suspect_account or (node.text_hash != 0 and node.text_hash in duplicate_hashes)


def metrics(tree: CascadeTree) -> CascadeMetrics:
    """All metrics of one reconstructed cascade."""
    d = depths(tree)
    counts = level_counts(tree)
    reposts = tree.size - 1
    sizes = subtree_sizes(tree)
    real_reposts = [n for nid, n in tree.nodes.items() if nid != tree.root_id]
    root = tree.nodes.get(tree.root_id)
    root_author = root.author_id if root else ""
    hash_counts: dict[int, int] = defaultdict(int)
    for n in real_reposts:
        if n.text_hash:
            hash_counts[n.text_hash] += 1
    dup = {h for h, c in hash_counts.items() if c >= DUPLICATE_TEXT_MIN}
    accounts: dict[str, CascadeNode] = {}
    for n in sorted(real_reposts, key=_order):
        if n.author_id and n.author_id != root_author:
            accounts.setdefault(n.author_id, n)
    suspects = {a for a, n in accounts.items() if suspect_reposter(n, dup)}
    suspects |= {n.author_id for n in real_reposts if n.author_id in accounts and n.text_hash in dup}
    suspect_share = len(suspects) / len(accounts) if accounts else 0.0
    dup_share = sum(1 for n in real_reposts if n.text_hash in dup) / len(real_reposts) if real_reposts else 0.0
    level1_share = counts[0] / reposts if reposts else 0.0
    spreaders = sorted(
        (
            Spreader(tree.names.get(nid, ""), nid, d.get(nid, 0), sizes.get(nid, 1) - 1)
            for nid in tree.parent
            if nid not in tree.inferred and sizes.get(nid, 1) > 1
        ),
        key=lambda s: (-s.descendants, s.level, s.event_id),
    )[:TOP_SPREADERS]
    max_depth = len(counts)
    shallow = level1_share >= AMPLIFICATION_MIN_LEVEL1_SHARE and max_depth <= AMPLIFICATION_MAX_DEPTH
    flagged = reposts >= AMPLIFICATION_MIN_REPOSTS and shallow and suspect_share >= AMPLIFICATION_MIN_SUSPECT_SHARE
    return CascadeMetrics(
        root_id=tree.root_id,
        size=tree.size,
        reposts=reposts,
        inferred=len(tree.inferred),
        max_depth=max_depth,
        level_counts=tuple(counts),
        level1_share=level1_share,
        structural_virality=structural_virality(tree),
        reach=sum(n.followers for n in accounts.values()),
        unique_reposters=len(accounts),
        suspect_share=suspect_share,
        duplicate_text_share=dup_share,
        top_spreaders=tuple(spreaders),
        suspected_amplification=flagged,
        amplification_score=round(level1_share * suspect_share, 4) if reposts else 0.0,
    )


def cascade_metrics(root_id: str, nodes: Sequence[CascadeNode]) -> CascadeMetrics:
    """Reconstruct and measure in one call."""
    return metrics(build_tree(root_id, nodes))
