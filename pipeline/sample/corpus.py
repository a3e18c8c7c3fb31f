"""The bundled real-text corpus (``pipeline/data/corpus.jsonl.gz``) in the shapes the generator uses.

The file is built by ``tools/build_corpus.py`` from the shared data set; its sources and what was
invented are listed in ``pipeline/data/SOURCES.md``.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import orjson

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CORPUS_PATH = DATA_DIR / "corpus.jsonl.gz"

WAIMAI = "外卖"
"""Category of the ``waimai_10k`` takeout reviews."""
OWN_BRAND = "蒙牛"
"""The ``online_shopping_10_cats`` category that is really Weibo posts about the own brand."""


class WeiboPost(NamedTuple):
    """A real CED original post; ``user`` is the poster's profile (None when CED lacks it)."""

    mid: str
    uid: str
    text: str
    time: int
    reposts: int
    comments: int
    likes: int
    user: dict[str, Any] | None
    brands: tuple[str, ...]


class Repost(NamedTuple):
    """One repost of a cascade; ``parent`` indexes the cascade's reposts (-1: the root)."""

    mid: str
    parent: int
    uid: str
    offset: int
    text: str
    bot: bool
    children: int
    text_hash: int
    """Stable hash of the text: identical texts get identical variations on reuse."""


class Cascade(NamedTuple):
    """A real repost cascade (capped); parents come before their children."""

    root: WeiboPost
    pattern: str
    total: int
    reposts: tuple[Repost, ...]


class Review(NamedTuple):
    """A review text with its category (``外卖`` for waimai) and label (1 positive, 0 negative)."""

    text: str
    category: str
    label: int


@dataclass(frozen=True)
class Corpus:
    """The texts the generator draws from, grouped by use."""

    posts: tuple[WeiboPost, ...]
    """Original Weibo posts that are not the root of a kept cascade."""
    cascades: tuple[Cascade, ...]
    reactions: tuple[str, ...]
    """Short real Weibo repost comments, used as Weibo-style comments."""
    reviews: dict[str, tuple[Review, ...]]
    """Reviews by category (including ``外卖`` and ``蒙牛``)."""
    long_reviews: tuple[Review, ...]
    """Reviews of at least 150 characters (bodies of WeChat articles)."""
    service_first: tuple[str, ...]
    """First customer messages of customer-service dialogues."""
    service_other: tuple[str, ...]
    """Later customer messages of those dialogues."""
    source_ids: frozenset[str] = field(default_factory=frozenset)
    """Dataset ids of every record kept (``os10_…``, ``wm_…``, ``cedo_…``, ``cedr_…``, ``ecd_…``)."""
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Real CED poster profiles by uid (also used when that account reposts)."""
    bot_uids: frozenset[str] = field(default_factory=frozenset)
    """CED reposters that posted a water-army cascade's repeated text."""

    @property
    def categories(self) -> tuple[str, ...]:
        """Review categories, sorted."""
        return tuple(sorted(self.reviews))

    def all_texts(self) -> set[str]:
        """Every text of the corpus (for checks against held-out data)."""
        texts = {p.text for p in self.posts} | set(self.reactions) | set(self.service_first)
        texts |= set(self.service_other)
        texts |= {r.text for group in self.reviews.values() for r in group}
        texts |= {c.root.text for c in self.cascades} | {r.text for c in self.cascades for r in c.reposts}
        return texts


def _post(record: dict[str, Any]) -> WeiboPost:
    return WeiboPost(
        mid=record["mid"],
        uid=record["uid"],
        text=record["text"],
        time=record["time"],
        reposts=record["reposts"],
        comments=record["comments"],
        likes=record["likes"],
        user=record["user"],
        brands=tuple(record["brands"]),
    )


def _cascade(record: dict[str, Any], root: WeiboPost) -> Cascade:
    rows = record["reposts"]
    children = [0] * len(rows)
    for row in rows:
        if row[1] >= 0:
            children[row[1]] += 1
    reposts = tuple(
        Repost(mid, parent, uid, offset, text, bool(bot), children[i], zlib.crc32(text.encode()))
        for i, (mid, parent, uid, offset, text, bot) in enumerate(rows)
    )
    return Cascade(root=root, pattern=record["pattern"], total=record["total"], reposts=reposts)


def read_records(path: Path = CORPUS_PATH) -> list[dict[str, Any]]:
    """The raw corpus records."""
    with gzip.open(path, "rb") as f:
        return [orjson.loads(line) for line in f if line.strip()]


@lru_cache(maxsize=4)
def load_corpus(path: Path = CORPUS_PATH) -> Corpus:
    """Load and group the corpus (cached: it is read once per process)."""
    records = read_records(path)
    posts = {r["id"]: _post(r) for r in records if r["kind"] == "weibo_post"}
    cascade_records = [r for r in records if r["kind"] == "cascade"]
    cascades = tuple(_cascade(r, posts[r["id"]]) for r in cascade_records)
    roots = {r["id"] for r in cascade_records}
    reviews: dict[str, list[Review]] = {}
    for r in records:
        if r["kind"] == "review":
            reviews.setdefault(r["category"], []).append(Review(r["text"], r["category"], r["label"]))
    service = [r for r in records if r["kind"] == "service"]
    ids = set(posts) | {r["id"] for r in records if r["kind"] in ("review", "service")}
    ids |= {f"cedr_{rp.mid}" for c in cascades for rp in c.reposts}
    return Corpus(
        posts=tuple(p for pid, p in posts.items() if pid not in roots),
        cascades=cascades,
        reactions=tuple(r["text"] for r in records if r["kind"] == "weibo_reaction"),
        reviews={cat: tuple(group) for cat, group in sorted(reviews.items())},
        long_reviews=tuple(r for group in reviews.values() for r in group if len(r.text) >= 150),
        service_first=tuple(r["text"] for r in service if r["turn"] == 0),
        service_other=tuple(r["text"] for r in service if r["turn"] > 0),
        source_ids=frozenset(ids),
        profiles={p.uid: p.user for p in posts.values() if p.user is not None},
        bot_uids=frozenset(r.uid for c in cascades for r in c.reposts if r.bot),
    )
