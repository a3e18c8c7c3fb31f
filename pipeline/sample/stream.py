"""The state machine behind a generated stream: one valid event (or invalid line) at a time.

Each line is one of: a new root (post, or WeChat article), a comment on a recent thread
(``COMMENT_SHARE``), or a Weibo repost (``REPOST_SHARE``). Reposts come from real CED cascades
(their real parent structure and texts, with the ``//@name:`` chain Weibo would show) or are
invented on ordinary Weibo posts. The generator keeps only a bounded number of threads, so
memory does not grow with ``n``. The hot paths are written for speed (plain tuples, few calls).
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from datetime import datetime
from typing import Any

import orjson

from pipeline.sample.authors import AuthorEntry, Authors
from pipeline.sample.clock import Clock, iso
from pipeline.sample.corpus import OWN_BRAND, WAIMAI, Corpus, WeiboPost, load_corpus
from pipeline.sample.ids import REPLY_IDS, ROOT_IDS
from pipeline.sample.invalid import Defects
from pipeline.sample.sources import Choice, Sources
from pipeline.sample.texts import title_of, urls_in, variant_of, vary
from pipeline.sample.threads import NAME, TEXT, TS, ActiveThreads, CascadeReplay, Node, Thread

COMMENT_SHARE = 0.30
REPOST_SHARE = 0.22
ACTIVE_THREADS = 256
MAX_CASCADES = 3
CASCADE_START = 0.004
"""Chance, per repost, of starting another cascade while fewer than ``MAX_CASCADES`` run."""
INVENTED_REPOST_SHARE = 0.35
INVENTED_REPOST_THREADS = 0.4
"""Share of ordinary Weibo roots that get a few invented reposts."""
RECENCY = 40.0
"""Comments go to recent threads: how many threads back is exponential with this mean."""
JITTER = 0.03
"""Share of events that arrive up to 10 minutes late (never before their parent)."""
REPEAT_COMMENTER = 0.10
"""Chance that a comment comes from an account that already commented in the thread."""

PLATFORMS = Choice((("weibo", 0.50), ("xiaohongshu", 0.15), ("wechat", 0.13), ("tieba", 0.12), ("qq", 0.10)))
ROOT_SOURCES: dict[str, Choice] = {
    "weibo": Choice((("ced", 0.50), (OWN_BRAND, 0.25), ("products", 0.15), (WAIMAI, 0.10))),
    "wechat": Choice((("long", 0.80), ("ced_long", 0.20))),
    "tieba": Choice((("products", 0.85), (OWN_BRAND, 0.05), (WAIMAI, 0.10))),
    "qq": Choice(((WAIMAI, 0.40), ("short", 0.60))),
    "xiaohongshu": Choice((("lifestyle", 0.85), (OWN_BRAND, 0.15))),
}
COMMENT_SOURCES: dict[str, Choice] = {
    "ced": Choice((("reactions", 1.0),)),
    WAIMAI: Choice(((WAIMAI, 0.70), ("service_first", 0.20), ("service_other", 0.10))),
    OWN_BRAND: Choice(((OWN_BRAND, 0.55), ("reactions", 0.20), ("service_first", 0.15), ("service_other", 0.10))),
}
SAME_TOPIC = Choice((("same", 0.65), ("service_first", 0.15), ("service_other", 0.10), ("reactions", 0.10)))
"""Comment sources on a product-review thread: mostly reviews of the same category."""
_TITLED = frozenset({"wechat", "tieba", "xiaohongshu"})
_REPLY = {
    "weibo": ("回复@", ":"),
    "xiaohongshu": ("回复@", ":"),
    "tieba": ("回复 ", " :"),
    "qq": ("回复", "："),
}
_EXP_STEPS = 4096
_RECENT_BACK = tuple(int(-RECENCY * math.log(1.0 - (i + 0.5) / _EXP_STEPS)) for i in range(_EXP_STEPS))
"""Exponential draws (mean ``RECENCY``) by quantile: ``_RECENT_BACK[int(u * _EXP_STEPS)]``."""
ENGAGEMENT_POOL = 512
_SMALL_COUNTS = tuple({"reposts": 0, "comments": 0, "likes": k} for k in range(256))
_log = math.log
_exp = math.exp


class Stream:
    """The state of one generated stream: text sources, authors, clock and recent threads."""

    def __init__(self, n: int, seed: int, end: datetime, days: float, corpus: Corpus | None = None) -> None:
        self.rng = random.Random(f"sociallisten-sample:{seed}")
        self._random = self.rng.random
        self.sources = Sources(corpus or load_corpus(), self.rng)
        self.clock = Clock(n, end, days, random.Random(f"clock:{seed}"))
        corpus = self.sources.corpus
        self.authors = Authors(self.clock.start, corpus.profiles, corpus.bot_uids)
        self.defects = Defects(random.Random(f"invalid:{seed}"))
        self.threads = ActiveThreads(ACTIVE_THREADS)
        self.cascades: list[Thread] = []
        self.invented: list[Thread] = []
        self.seq = 0
        self._engagements: dict[str, list[dict[str, int]]] = {}
        """Per platform, a pool of invented root engagement counts (drawn once, shared)."""
        self._titles: dict[str, str] = {}
        self._decks = self.sources.decks
        self._last: dict[str, Any] | None = None
        self._last_author: AuthorEntry | None = None
        c = self.sources.corpus
        script = [r.text for r in c.reviews[OWN_BRAND] if r.label == 1 and len(r.text) < 60]
        script += [t for t in c.reactions if 6 <= len(t) <= 30]
        self.script = sorted(self.rng.sample(script, 6))
        """Texts the bot-like accounts of this stream repeat (a water-army pattern)."""

    # -- lines ------------------------------------------------------------------------------
    def valid(self, ts: float) -> bytes:
        """One valid event as a JSON line."""
        u = self._random()
        if u < COMMENT_SHARE:
            event = self._comment(ts)
        elif u < COMMENT_SHARE + REPOST_SHARE:
            event = self._repost(ts)
        else:
            event = self._root(ts)
        self._last = event
        line: bytes = orjson.dumps(event)
        return line

    def invalid(self, ts: float) -> bytes:
        """One invalid line, made from the last valid event (or a fresh one)."""
        if self._last is None or self._last_author is None:
            template: dict[str, Any] = {
                "platform": "weibo", "kind": "post", "author": self.authors.pick("weibo", self.rng).data,
                "text": self.sources.text("reactions"), "created_at": iso(ts),
                "engagement": {"reposts": 0, "comments": 0, "likes": 1}, "urls": [],
            }  # fmt: skip
        else:
            template = {**self._last, "author": self._last_author.data}
        template["id"] = self.next_id(template["platform"], "root_id" not in template, ts)
        return self.defects.corrupt(template)

    def next_id(self, platform: str, root: bool, ts: float) -> str:
        """A fresh invented event id ``<platform>:<native id>``."""
        self.seq += 1
        return (ROOT_IDS if root else REPLY_IDS)[platform](self.seq, ts)

    def _late(self, ts: float, floor: float) -> float:
        """Shift a time back by up to 10 minutes (late delivery), never before ``floor``."""
        return max(floor, ts - 600 * self._random())

    # -- roots ------------------------------------------------------------------------------
    def _root(self, ts: float, cascade: bool = False) -> dict[str, Any]:
        rnd = self._random
        if cascade:
            platform, source = "weibo", "cascades"
        else:
            platform = PLATFORMS.names[bisect_right(PLATFORMS.cum, rnd())]
            sources = ROOT_SOURCES[platform]
            source = sources.names[bisect_right(sources.cum, rnd())]
        if rnd() < JITTER:
            ts = self._late(ts, self.clock.start)
        deck = self._decks.get(source) or self.sources.deck(source)
        item, variant = deck.draw()
        post: WeiboPost | None = item.root if cascade else (item if isinstance(item, WeiboPost) else None)
        title = ""
        if post is not None and platform == "weibo":
            eid = f"weibo:{post.mid}" if variant == 0 else self.next_id(platform, True, ts)
            author = self.authors.ced_account(post.uid)
            engagement: dict[str, int] = {
                "reposts": post.reposts,
                "comments": post.comments,
                "likes": post.likes,
            }
            text, topic, popularity = post.text, "ced", 1.0 + math.sqrt(post.comments)
        else:
            text = item.text
            topic = "ced" if post is not None else item.category
            self.seq += 1
            eid = ROOT_IDS[platform](self.seq, ts)
            author = self.authors.pick(platform, self.rng, "official" if platform == "wechat" else "user")
            pool = self._engagements.get(platform)
            if pool is None:
                pool = self._engagements[platform] = [self._root_engagement(platform) for _ in range(ENGAGEMENT_POOL)]
            engagement = pool[int(rnd() * ENGAGEMENT_POOL)]
            popularity = (1.0 - rnd()) ** -0.77  # Pareto(1.3)
        if platform in _TITLED:
            title = self._titles.get(text) or self._title(text)
        if variant:
            text = vary(text, variant)
        event: dict[str, Any] = {
            "id": eid, "platform": platform, "kind": "article" if platform == "wechat" else "post",
            "author": author.fragment,
        }  # fmt: skip
        if title:
            event["title"] = title
        event["text"] = text
        event["created_at"] = iso(ts)
        event["engagement"] = engagement
        event["urls"] = urls_in(text) if "http" in text else []
        self._last_author = author
        thread = Thread(platform, topic, (eid, author.name, text, ts), popularity)
        if cascade:
            thread.replay = CascadeReplay(item, self.sources.deck("cascades").cycle)
            self.cascades.append(thread)
        elif platform == "weibo" and rnd() < INVENTED_REPOST_THREADS:
            thread.budget = 1 + int(-3.0 * _log(1.0 - rnd()))
            self.invented.append(thread)
            if len(self.invented) > 2 * ACTIVE_THREADS:
                self.invented = [t for t in self.invented if t.alive and t.budget > 0]
        self.threads.add(thread)
        return event

    def _title(self, text: str) -> str:
        """The title of a corpus text (cached: corpus texts are few)."""
        title = self._titles[text] = title_of(text)
        return title

    def _root_engagement(self, platform: str) -> dict[str, int]:
        """Invented counts: log-normal, one shared draw so likes, comments and reposts go together."""
        z = self.rng.gauss()
        noise = self._random() - 0.5
        if platform == "wechat":
            reads = int(_exp(7.3 + 1.2 * z))
            likes = int(reads * _exp(-4.0 + noise))
            return {"reposts": 0, "comments": int(_exp(1.0 + z + noise)), "likes": likes, "reads": reads}
        if platform == "xiaohongshu":
            return {
                "reposts": 0,
                "comments": int(_exp(1.2 + 1.4 * z + noise)),
                "likes": int(_exp(3.0 + 1.8 * z)),
            }
        reposts = int(_exp(0.3 + 1.5 * z - noise)) if platform == "weibo" else 0
        return {
            "reposts": reposts,
            "comments": int(_exp(0.8 + 1.3 * z + noise)),
            "likes": int(_exp(1.5 + 1.6 * z)),
        }

    # -- comments ---------------------------------------------------------------------------
    def _comment_text(self, topic: str, author: AuthorEntry) -> str:
        if author.bot and self._random() < 0.6:
            return self.script[int(self._random() * len(self.script))]
        choice = COMMENT_SOURCES.get(topic, SAME_TOPIC)
        source = choice.names[bisect_right(choice.cum, self._random())]
        if source == "same":
            source = topic
        deck = self._decks.get(source) or self.sources.deck(source)
        item, variant = deck.draw()
        text: str = item if isinstance(item, str) else item.text
        return vary(text, variant) if variant else text

    def _comment(self, ts: float) -> dict[str, Any]:
        if self.threads.count == 0:
            return self._root(ts)
        rnd = self._random
        thread = self.threads.pick(_RECENT_BACK[int(rnd() * _EXP_STEPS)], _RECENT_BACK[int(rnd() * _EXP_STEPS)])
        platform = thread.platform
        nodes = thread.nodes
        root = thread.root
        parent = root if nodes is None or platform == "wechat" or rnd() < 0.72 else nodes[int(rnd() * len(nodes))]
        commenters = thread.commenters
        if commenters and rnd() < REPEAT_COMMENTER:
            author, previous = commenters[int(rnd() * len(commenters))]
            body = previous if rnd() < 0.5 else self._comment_text(thread.topic, author)
        else:
            author = self.authors.pick(platform, self.rng)
            body = self._comment_text(thread.topic, author)
        thread.add_commenter(author, body)
        if parent is root:
            text = body
        else:
            before, after = _REPLY[platform]
            text = before + parent[NAME] + after + body
        if rnd() < JITTER:
            ts = self._late(ts, parent[TS])
        self.seq += 1
        eid = REPLY_IDS[platform](self.seq, ts)
        self._last_author = author
        event = {
            "id": eid, "platform": platform, "kind": "comment", "root_id": root[0], "parent_id": parent[0],
            "author": author.fragment, "text": text, "created_at": iso(ts),
            "engagement": _counts(0, int((1.0 - rnd()) ** -0.625) - 1),
            "urls": urls_in(text) if "http" in text else [],
        }  # fmt: skip
        if platform != "wechat":
            thread.remember((eid, author.name, text, ts), self.rng)
        return event

    # -- reposts ----------------------------------------------------------------------------
    def _repost(self, ts: float) -> dict[str, Any]:
        rnd = self._random
        cascades = self.cascades
        if not cascades or (len(cascades) < MAX_CASCADES and rnd() < CASCADE_START):
            return self._root(ts, cascade=True)
        invented = self.invented
        if invented and rnd() < INVENTED_REPOST_SHARE:
            back = int(-RECENCY * _log(1.0 - rnd()))
            thread = invented[-1 - back] if back < len(invented) else invented[0]
            if thread.alive and thread.budget > 0:
                return self._invented_repost(thread, ts)
            invented.remove(thread)
        return self._cascade_repost(cascades[int(rnd() * len(cascades))], ts)

    def _repost_event(self, thread: Thread, parent: Node, eid: str, author: AuthorEntry, own: str, ts: float,
                      engagement: dict[str, int]) -> dict[str, Any]:  # fmt: skip
        root = thread.root
        text = repost_text(own, parent, root)
        self._last_author = author
        return {
            "id": eid, "platform": "weibo", "kind": "repost", "root_id": root[0], "parent_id": parent[0],
            "author": author.fragment, "text": text, "created_at": iso(ts), "engagement": engagement,
            "urls": urls_in(text) if "http" in text else [],
        }  # fmt: skip

    def _cascade_repost(self, thread: Thread, ts: float) -> dict[str, Any]:
        replay = thread.replay
        assert replay is not None
        repost = replay.cascade.reposts[replay.cursor]
        replay.cursor += 1
        if replay.done:
            self.cascades.remove(thread)
        chain, cycle = replay.chain, replay.cycle
        parent = thread.root if repost.parent < 0 else chain[repost.parent]
        if self._random() < JITTER:
            ts = self._late(ts, parent[TS])
        eid = f"weibo:{repost.mid}" if cycle == 0 else self.next_id("weibo", False, ts)
        author = self.authors.ced_account(repost.uid)
        own = vary(repost.text, variant_of(repost.text_hash, cycle)) if cycle else repost.text
        comments = int((1.0 - self._random()) ** -0.4) - 1
        engagement = {"reposts": repost.children, "comments": comments, "likes": 0}
        event = self._repost_event(thread, parent, eid, author, own, ts, engagement)
        node = (eid, author.name, event["text"], ts)
        chain.append(node)
        if self._random() < 0.3:
            thread.remember(node, self.rng)
        return event

    def _invented_repost(self, thread: Thread, ts: float) -> dict[str, Any]:
        rnd = self._random
        thread.budget -= 1
        reposts = thread.reposts
        parent = thread.root if not reposts or rnd() < 0.7 else reposts[int(rnd() * len(reposts))]
        author = self.authors.pick("weibo", self.rng)
        if author.bot and rnd() < 0.6:
            own = self.script[int(rnd() * len(self.script))]
        else:
            own = self.sources.text("reactions") if rnd() < 0.55 else ""
        if rnd() < JITTER:
            ts = self._late(ts, parent[TS])
        eid = self.next_id("weibo", False, ts)
        engagement = _counts(0, int((1.0 - rnd()) ** -0.5) - 1)
        event = self._repost_event(thread, parent, eid, author, own, ts, engagement)
        thread.remember_repost((eid, author.name, event["text"], ts), self.rng)
        return event


def _counts(comments: int, likes: int) -> dict[str, int]:
    """Engagement of a comment or repost (small counts are shared, read-only dicts)."""
    if comments == 0 and likes < 256:
        return _SMALL_COUNTS[likes]
    return {"reposts": 0, "comments": comments, "likes": likes}


def repost_text(own: str, parent: Node, root: Node) -> str:
    """What Weibo shows for a repost: the comment, then ``//@parent:`` and the parent's text.

    The root's author is never in the chain, so a repost ``d`` levels below the root carries
    ``d - 1`` ``//@`` segments; an empty comment on the root becomes Weibo's default 转发微博.
    """
    if parent is root:
        return own or "转发微博"
    return f"{own}//@{parent[NAME]}:{parent[TEXT]}"
