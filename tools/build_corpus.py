"""Build ``pipeline/data/corpus.jsonl.gz``: the small real-text corpus the sample generator draws from.

Reads the shared data set (``/work/shared/data``, see its README), keeps a deterministic,
seeded selection of it and writes one gzipped JSON line per record:

``weibo_post``
    a CED original Weibo post with its real time, engagement and poster profile
    (``verified_type`` mapped to :class:`schemas.events.VerifiedType`, see ``VERIFIED_TYPES``).
    All posts that mention commerce or a brand of the dev lexicon, plus a sample of the others.
``cascade``
    a whole CED repost cascade (capped at ``CASCADE_CAP`` reposts, ancestors always kept),
    in an order where a parent precedes its children: ``[mid, parent_index, uid, seconds_after_root,
    text, bot]`` with ``parent_index`` -1 for a direct repost of the root.
``weibo_reaction``
    a short real repost comment from a cascade that is not kept whole (used as Weibo comments).
``review``
    an ``online_shopping_10_cats`` or ``waimai_10k`` review with its category and label.
``service``
    a customer turn of an ECD customer-service dialogue (``turn`` 0 is the first message).

Every text or id that appears in ``dev/labelled.jsonl`` or ``dev/sentiment.jsonl`` is left out.

Usage::

    .venv/bin/python tools/build_corpus.py            # corpus, SOURCES.md is hand-written
    .venv/bin/python tools/build_corpus.py --demo     # ... then rebuild demo_stream.jsonl too
"""

from __future__ import annotations

import argparse
import csv
import gzip
import heapq
import io
import json
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = Path("/work/shared/data")
OUT = ROOT / "pipeline" / "data" / "corpus.jsonl.gz"
SEED = 20240618
MAX_BYTES = 2_500_000

CASCADE_CAP = 300
"""Most reposts kept of one cascade."""
OTHER_POSTS = 1100
"""Weibo posts kept beyond the commerce/brand ones (plus the roots of the kept cascades)."""
REACTIONS = 4000
REVIEWS_PER_LABEL = 330
LONG_REVIEWS = 400
WAIMAI = {0: 2400, 1: 1400}

VERIFIED_TYPES: dict[int, str] = {
    -1: "none",  # 普通用户
    0: "personal",  # 个人认证 (orange V: celebrities, experts)
    1: "government",  # 政府
    2: "enterprise",  # 企业
    3: "media",  # 媒体
    4: "organization",  # 校园 (campus)
    5: "enterprise",  # 网站 (website)
    6: "enterprise",  # 应用 (app)
    7: "organization",  # 团体/机构
    8: "enterprise",  # 待审企业 (enterprise pending review)
    10: "kol",  # 微女郎 (Weibo's featured-women programme, a creator badge)
    200: "kol",  # 初级达人 (junior Weibo talent: creator badge, not a V)
    220: "kol",  # 中高级达人 (senior Weibo talent)
    400: "none",  # 已故V用户
}
"""Sina ``verified_type`` codes (Weibo API) → ``VerifiedType``. 200/220 are 微博达人, a creator badge:
``kol``, while ``verified`` stays as CED reports it (false: a 达人 is not a V account)."""

COMMERCE_WORDS = (
    "买", "购", "价格", "优惠", "促销", "打折", "折扣", "包邮", "淘宝", "京东", "天猫", "商城", "网店",
    "店铺", "商家", "下单", "快递", "客服", "退货", "售后", "产品", "品牌", "广告", "团购", "秒杀",
    "新品", "上市", "发布会", "代购", "消费者",
)  # fmt: skip
DEFAULT_REPOST_TEXTS = frozenset({"", "转发微博", "转发微博。", "轉發微博", "轉發微博。", "Repost", "转发"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_EMOTICON = re.compile(r"\[[^\]]{1,6}\]")
_BEIJING = timezone(timedelta(hours=8))


def clean(text: str | None) -> str:
    """Drop the BOM and the characters the event schema rejects; strip surrounding whitespace."""
    return _CONTROL.sub("", (text or "").replace("\ufeff", "")).strip()


def substantive(text: str) -> bool:
    """A repost text that says something: not the default, not only emoticons (``[泪]``) or a few chars."""
    bare = _EMOTICON.sub("", text).strip(" 。！!.…~～")
    return len(bare) >= 6 and not text.startswith(("转发微博", "轉發微博"))


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a JSON-lines file."""
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file with a header (utf-8, BOM tolerated)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


class Holdout:
    """Ids and texts of the dev sets, which must never reach the corpus."""

    def __init__(self, data: Path) -> None:
        rows = [*read_jsonl(data / "dev" / "labelled.jsonl"), *read_jsonl(data / "dev" / "sentiment.jsonl")]
        self.ids = {str(r["id"]) for r in rows}
        self.texts = {r["text"] for r in rows} | {clean(r["text"]) for r in rows}

    def excludes(self, source_id: str, text: str) -> bool:
        """Whether a row (by its dev-set id and raw text) is held out."""
        return source_id in self.ids or text in self.texts or clean(text) in self.texts


class BrandMatcher:
    """Finds the canonical brands of the dev lexicon that a text names (for selection only)."""

    def __init__(self, lexicon: Path) -> None:
        data = yaml.safe_load(lexicon.read_text(encoding="utf-8"))
        self._cjk: list[tuple[str, str]] = []
        self._latin: list[tuple[re.Pattern[str], str]] = []
        for brand in data["brands"]:
            for alias in [brand["name"], *(brand.get("aliases") or [])]:
                alias = str(alias).lower()
                if re.fullmatch(r"[a-z0-9. ]+", alias):
                    pattern = re.compile(rf"(?<![a-z0-9]){re.escape(alias)}(?![a-z0-9])")
                    self._latin.append((pattern, brand["name"]))
                else:
                    self._cjk.append((alias, brand["name"]))

    def brands(self, text: str) -> list[str]:
        """Canonical names of the brands the text mentions (sorted)."""
        low = text.lower()
        found = {name for alias, name in self._cjk if alias in low}
        found |= {name for pattern, name in self._latin if pattern.search(low)}
        return sorted(found)


def map_user(user: dict[str, Any] | None) -> dict[str, Any] | None:
    """A CED poster profile in corpus form (``friends`` → ``following``, ``messages`` → ``posts``)."""
    if user is None:
        return None
    return {
        "verified": bool(user["verified"]),
        "verified_type": VERIFIED_TYPES.get(int(user["verified_type"]), "none"),
        "sina_verified_type": int(user["verified_type"]),
        "followers": max(0, int(user["followers"])),
        "following": max(0, int(user["friends"])),
        "posts": max(0, int(user["messages"])),
        "created_at": int(user["time"]),
        "gender": user.get("gender"),
        "location": user.get("location"),
    }


def repost_epoch(date: str) -> int:
    """CED repost dates are Beijing local time."""
    return int(datetime.strptime(date, "%Y-%m-%d %H:%M:%S").replace(tzinfo=_BEIJING).timestamp())


def split_cascade_id(cascade_id: str) -> tuple[str, str]:
    """``"<n>_<mid>_<uid>"`` → (mid, uid) of the cascade's root post."""
    _, mid, uid = cascade_id.split("_", 2)
    return mid, uid


class Cascade:
    """One CED cascade with the held-out reposts removed (their children re-attached upwards)."""

    def __init__(self, cascade_id: str, rows: list[dict[str, Any]], holdout: Holdout) -> None:
        self.id = cascade_id
        seen: set[str] = set()
        kept: dict[str, dict[str, Any]] = {}
        parent_of: dict[str, str | None] = {}
        for row in rows:
            if row["mid"] in seen:
                continue
            seen.add(row["mid"])
            parent_of[row["mid"]] = row["parent_mid"]
            if not holdout.excludes(f"cedr_{row['mid']}", row["text"] or ""):
                kept[row["mid"]] = row
        self.rows = kept
        self.parent: dict[str, str | None] = {}
        for mid in kept:
            parent = parent_of[mid]
            while parent is not None and parent not in kept:
                parent = parent_of.get(parent)
            self.parent[mid] = parent
        self.children: dict[str | None, list[str]] = defaultdict(list)
        for mid, parent in self.parent.items():
            self.children[parent].append(mid)
        self.depth = {mid: self._depth(mid) for mid in kept}
        texts = Counter(clean(r["text"]) for r in kept.values())
        loud = [(n, t) for t, n in texts.items() if substantive(t)]
        self.top_count, self.top_text = max(loud, default=(0, ""))

    def _depth(self, mid: str) -> int:
        depth, parent = 1, self.parent[mid]
        while parent is not None:
            depth, parent = depth + 1, self.parent[parent]
        return depth

    @property
    def max_depth(self) -> int:
        """Longest repost chain."""
        return max(self.depth.values(), default=0)

    def capped(self, cap: int, water_army: bool) -> list[str]:
        """Mids to keep: the deepest chain, the identical texts (water army), then the earliest."""
        order = sorted(self.rows, key=lambda m: (self.rows[m]["date"], m))
        deepest = max(order, key=lambda m: self.depth[m])  # first of the deepest
        chosen: set[str] = set()

        def add(mid: str | None) -> None:
            while mid is not None and mid not in chosen:
                chosen.add(mid)
                mid = self.parent[mid]

        add(deepest)
        if water_army:
            for mid in order:
                if len(chosen) >= cap // 2:
                    break
                if clean(self.rows[mid]["text"]) == self.top_text:
                    add(mid)
        for mid in order:
            if len(chosen) >= cap:
                break
            add(mid)
        return self.topological(chosen)

    def topological(self, chosen: set[str]) -> list[str]:
        """The chosen mids, parents first, otherwise by time."""
        heap = [(self.rows[m]["date"], m) for m in self.children[None] if m in chosen]
        heapq.heapify(heap)
        out: list[str] = []
        while heap:
            _, mid = heapq.heappop(heap)
            out.append(mid)
            for child in self.children[mid]:
                if child in chosen:
                    heapq.heappush(heap, (self.rows[child]["date"], child))
        return out

    def record(self, root_time: int, cap: int, pattern: str) -> dict[str, Any]:
        """The corpus record of the capped cascade."""
        mids = self.capped(cap, water_army=pattern == "water_army")
        index = {mid: i for i, mid in enumerate(mids)}
        reposts = []
        last = 0
        for mid in mids:
            row = self.rows[mid]
            parent = self.parent[mid]
            offset = max(last if parent is None else 0, repost_epoch(row["date"]) - root_time, 0)
            text = clean(row["text"])
            bot = int(pattern == "water_army" and text == self.top_text)
            reposts.append([mid, -1 if parent is None else index[parent], str(row["uid"]), offset, text, bot])
        root_mid, root_uid = split_cascade_id(self.id)
        return {
            "kind": "cascade",
            "id": f"cedo_{self.id}",
            "root_mid": root_mid,
            "pattern": pattern,
            "total": len(self.rows),
            "max_depth": max(self.depth[m] for m in mids),
            "reposts": reposts,
        }


def build_weibo(data: Path, holdout: Holdout, brands: BrandMatcher, rng: random.Random) -> list[dict[str, Any]]:
    """Original posts, cascades and reactions."""
    posts = {p["cascade_id"]: p for p in read_jsonl(data / "weibo" / "ced_original_posts.jsonl")}
    by_cascade: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in read_jsonl(data / "weibo" / "ced_reposts.jsonl"):
        by_cascade[row["cascade_id"]].append(row)

    def usable(cid: str) -> bool:
        post = posts.get(cid)
        return post is not None and bool(clean(post["text"])) and not holdout.excludes(f"cedo_{cid}", post["text"])

    def commerce(cid: str) -> bool:
        text = posts[cid]["text"]
        return bool(posts[cid]["commerce_kw"]) or bool(brands.brands(text)) or any(w in text for w in COMMERCE_WORDS)

    cascades = {cid: Cascade(cid, rows, holdout) for cid, rows in sorted(by_cascade.items()) if usable(cid)}
    patterns = choose_patterns(cascades, commerce, rng)

    chosen_posts = {cid for cid in posts if usable(cid) and commerce(cid)} | set(patterns)
    others = sorted(cid for cid in posts if usable(cid) and cid not in chosen_posts)
    chosen_posts |= set(rng.sample(others, min(OTHER_POSTS, len(others))))

    records: list[dict[str, Any]] = []
    for cid in sorted(chosen_posts, key=lambda c: (posts[c]["time"], c)):
        post = posts[cid]
        mid, uid = split_cascade_id(cid)
        text = clean(post["text"])
        records.append({
            "kind": "weibo_post", "id": f"cedo_{cid}", "mid": mid, "uid": uid, "text": text,
            "time": int(post["time"]), "reposts": int(post["reposts"]), "comments": int(post["comments"]),
            "likes": int(post["likes"]), "client": post.get("source"), "rumor": post["label"] == "rumor",
            "commerce": commerce(cid), "brands": brands.brands(text), "user": map_user(post["user"]),
            "cascade": cid in patterns,
        })  # fmt: skip
    for cid in sorted(patterns):
        records.append(cascades[cid].record(int(posts[cid]["time"]), CASCADE_CAP, patterns[cid]))
    records.extend(sample_reactions(cascades, patterns, rng))
    return records


def choose_patterns(
    cascades: dict[str, Cascade], commerce: Callable[[str], bool], rng: random.Random
) -> dict[str, str]:
    """The cascades kept whole, mapped to their pattern.

    The six with the most repeated text (``water_army``), the eight deepest of the rest
    with little repetition (``organic_deep``), then a sample of up to 16 commerce ones
    (``brand``) and of six others (``other``).
    """
    patterns: dict[str, str] = {}
    for cid in sorted(cascades, key=lambda c: -cascades[c].top_count)[:6]:
        patterns[cid] = "water_army"
    organic = [c for c in cascades if c not in patterns and cascades[c].top_count < 0.05 * len(cascades[c].rows)]
    for cid in sorted(organic, key=lambda c: (-cascades[c].max_depth, c))[:8]:
        patterns[cid] = "organic_deep"
    brand_like = sorted(c for c in cascades if c not in patterns and commerce(c))
    for cid in rng.sample(brand_like, min(16, len(brand_like))):
        patterns[cid] = "brand"
    rest = sorted(c for c in cascades if c not in patterns)
    for cid in rng.sample(rest, 6):
        patterns[cid] = "other"
    return patterns


def sample_reactions(
    cascades: dict[str, Cascade], patterns: dict[str, str], rng: random.Random
) -> list[dict[str, Any]]:
    """A sample of the short repost comments of the cascades not kept whole, as reaction records."""
    reactions: set[str] = set()
    for cid, cascade in cascades.items():
        if cid in patterns:
            continue
        for row in cascade.rows.values():
            text = clean(row["text"])
            if text not in DEFAULT_REPOST_TEXTS and 2 <= len(text) <= 140 and "//@" not in text:
                reactions.add(text)
    return [
        {"kind": "weibo_reaction", "text": text}
        for text in rng.sample(sorted(reactions), min(REACTIONS, len(reactions)))
    ]


def build_reviews(data: Path, holdout: Holdout, rng: random.Random) -> list[dict[str, Any]]:
    """A stratified sample of the review corpora, all of 蒙牛, and some long reviews for articles."""
    rows = [
        r for r in read_csv(data / "reviews" / "online_shopping_10_cats.csv")
        if clean(r["review"]) and not holdout.excludes(r["id"], r["review"] or "")
    ]  # fmt: skip
    groups: dict[tuple[str, int], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[(row["cat"], int(row["label"]))].append(row)
    chosen: dict[str, dict[str, str]] = {}
    for (cat, _label), group in sorted(groups.items()):
        take = len(group) if cat == "蒙牛" else min(REVIEWS_PER_LABEL, len(group))
        for row in rng.sample(group, take):
            chosen[row["id"]] = row
    long_rows = sorted(
        (r for r in rows if len(clean(r["review"])) >= 150 and r["id"] not in chosen), key=lambda r: r["id"]
    )
    for row in rng.sample(long_rows, min(LONG_REVIEWS, len(long_rows))):
        chosen[row["id"]] = row
    records = [
        {"kind": "review", "id": r["id"], "source": "online_shopping_10_cats", "category": r["cat"],
         "label": int(r["label"]), "text": clean(r["review"])}
        for r in sorted(chosen.values(), key=lambda r: int(r["id"].split("_")[1]))
    ]  # fmt: skip

    waimai = [
        r for r in read_csv(data / "reviews" / "waimai_10k.csv")
        if clean(r["review"]) and not holdout.excludes(r["id"], r["review"] or "")
    ]  # fmt: skip
    picked: list[dict[str, str]] = []
    for label, take in sorted(WAIMAI.items()):
        group = [r for r in waimai if int(r["label"]) == label]
        picked += rng.sample(group, min(take, len(group)))
    records += [
        {"kind": "review", "id": r["id"], "source": "waimai_10k", "category": "外卖",
         "label": int(r["label"]), "text": clean(r["review"])}
        for r in sorted(picked, key=lambda r: int(r["id"].split("_")[1]))
    ]  # fmt: skip
    return records


def build_service(data: Path, holdout: Holdout) -> list[dict[str, Any]]:
    """Customer turns (even indices) of the ECD dialogues not held out."""
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    for dialogue in read_jsonl(data / "service_dialogues" / "ecd_dialogues.jsonl"):
        did = f"ecd_{dialogue['split']}_{dialogue['dialog_idx']}"
        turns = dialogue["context_turns"]
        if did in holdout.ids or any(holdout.excludes("", t) for t in turns[::2]):
            continue
        for turn in range(0, len(turns), 2):
            text = clean(turns[turn])
            if not text or text in seen or (turn > 0 and (len(text) < 4 or text.isdigit())):
                continue
            seen.add(text)
            records.append({"kind": "service", "id": did, "turn": turn, "text": text})
    return records


def write_gzip_jsonl(records: Iterable[dict[str, Any]], path: Path) -> int:
    """Write reproducibly (no timestamp in the gzip header); return the compressed size."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        for record in records:
            gz.write(orjson.dumps(record) + b"\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return len(buf.getvalue())


def build(data: Path = DATA, out: Path = OUT, seed: int = SEED) -> dict[str, int]:
    """Build the corpus file; return the number of records of each kind (and the size)."""
    rng = random.Random(seed)
    holdout = Holdout(data)
    brands = BrandMatcher(data / "dev" / "lexicon.yaml")
    records = build_weibo(data, holdout, brands, rng) + build_reviews(data, holdout, rng) + build_service(data, holdout)
    size = write_gzip_jsonl(records, out)
    if size > MAX_BYTES:
        raise SystemExit(f"{out} is {size:,} bytes, over the {MAX_BYTES:,} budget")
    counts = Counter(r["kind"] for r in records)
    counts["cascade_reposts"] = sum(len(r["reposts"]) for r in records if r["kind"] == "cascade")
    counts["bytes"] = size
    return dict(counts)


def main(argv: list[str] | None = None) -> None:
    """Command line: build the corpus (and optionally the demo stream)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--demo", action="store_true", help="also rebuild pipeline/data/demo_stream.jsonl")
    args = parser.parse_args(argv)
    counts = build(args.data, args.out, args.seed)
    sys.stderr.write(f"{args.out}: {counts}\n")
    if args.demo:
        sys.path.insert(0, str(ROOT))
        from tools.build_demo_stream import main as build_demo

        build_demo([])


if __name__ == "__main__":
    main()
