"""A hostile corpus: events built to slow, crash or fool the worker (see tests/data/hostile/README.md).

Deterministic (every choice comes from ``random.Random(seed)``) and generated when needed, so
nothing large is stored. :func:`corpus` gives raw messages as producers would send them (bytes:
most are valid events, some must be dead-lettered), each with a label saying what it tries;
:func:`cascades` gives repost trees with deep and wide shapes, loops and duplicate ids;
:func:`hostile_stream` gives any number of distinct hostile messages, the same number of each
kind of attack (repost trees linked by ``parent_id`` included), for the benchmark
(``python -m pipeline.bench.hostile``). The tests write it to files with
``python -m tests.fixtures.hostile OUT_DIR [SEED]``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import orjson

SEED = 22
Event = dict[str, Any]

LINE_SEPARATORS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""Every character ``str.splitlines`` breaks on (some are control characters the schema refuses)."""
CONTROLS = "".join(chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)))
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
EMOJI = ["👨‍👩‍👧‍👦", "🏳️‍🌈", "👍🏽", "🇨🇳", "❤️", "🧑🏿‍💻", "1️⃣", "😀"]
MARKUP = ["[bold red]官方[/]", "[link=javascript:alert(1)]点我[/link]", "\x1b[31m红\x1b[0m",
          "\x1b]8;;https://evil.example\x07链接\x1b]8;;\x07", "\x1b]0;title\x07", "<script>alert(1)</script>"]
URLS = ["javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "https://例子.测试/" + "a" * 1900,
        "http://[::1]:80/", "https://evil.example/?q=" + "%2F" * 300, "vbscript:msgbox(1)"]
SLOGANS = ["我刚买的苹果手机用了三天就坏了，客服也不理人", "他买了华为，其他人没买", "北京东路韩国三星专卖店",
           "物流太慢了，一周还没发货", "不是没有色差，是没想到这么好", "收到货了，质量不错，已经回购第三次"]


def event(native: str, text: str, *, author: Event | None = None, **extra: Any) -> Event:
    """A valid weibo event dict (``extra`` adds or overrides fields)."""
    out: Event = {"id": f"weibo:{native}", "platform": "weibo", "author": author or {"id": f"u{native}"},
                  "text": text, "created_at": "2024-06-03T10:00:00+08:00"}
    out.update(extra)
    return out


def _dump(ev: Any) -> bytes:
    raw: bytes = orjson.dumps(ev)
    return raw


def long_texts(rng: random.Random, size: int = 20000) -> Iterator[tuple[str, str]]:
    """Texts of ``size`` characters: repetitive, cue- and brand-dense, mixed-script, random CJK."""
    yield "repeat_one_char", "哈" * size
    yield "repeat_punct", "！？" * (size // 2)
    for i, slogan in enumerate(SLOGANS):
        yield f"repeat_slogan_{i}", (slogan * (size // len(slogan) + 1))[:size]
    scripts = ["苹果", "apple", "Ünïcödé", "مرحبا", "한국어", "Привет", "שָׁלוֹם", "ไทย", "𠀀𠀁", "１２３"]
    yield "mixed_scripts", "".join(rng.choice(scripts) for _ in range(size))[:size]
    yield "random_cjk", "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(size))
    yield "mentions_and_tags", ("@蒙牛乳业 #话题#[哈哈]http://t.cn/x " * size)[:size]
    yield "emoji_sequences", "".join(rng.choice(EMOJI) for _ in range(size // 4))[:size]
    yield "zero_width_and_bidi", "".join(rng.choice(ZERO_WIDTH + BIDI) + "苹果" for _ in range(size // 3))[:size]
    yield "line_separators", "".join(c + "手机" for c in LINE_SEPARATORS if c not in CONTROLS) * (size // 30)


def chain_text(names: int, name_len: int = 3) -> str:
    """A repost text with a ``//@`` chain of ``names`` distinct names (nearest first)."""
    return "转发" + "".join(f"//@{i:0{name_len}x}:" for i in range(names))


def _valid(rng: random.Random) -> Iterator[tuple[str, bytes]]:
    for label, text in long_texts(rng):
        yield label, _dump(event(label.replace("_", "-"), text))
    for label, text in [("chain_2000", chain_text(2000)), ("chain_empty_names", "转发" + "//@:" * 4000),
                        ("chain_unicode_names", "".join(f"//@{rng.choice(EMOJI)}{i}:" for i in range(1500)))]:
        yield label, _dump(event(label.replace("_", "-"), text[:20000], kind="repost", root_id="weibo:root",
                                parent_id="weibo:root"))
    for i, markup in enumerate(MARKUP):
        name = markup.replace("\x1b", "").replace("\x07", "")  # the schema refuses control characters
        yield f"markup_name_{i}", _dump(event(f"markup{i}", f"{name} 点评", author={"id": f"m{i}", "name": name}))
    yield "urls", _dump(event("urls", "看看 " + " ".join(URLS[:2]) + " www.x.cn", urls=URLS[:5]))
    yield "bidi_title", _dump(event("bidi", "正文", title="\u202e标题\u202c" + "\u200d" * 400))
    yield "duplicate_id_a", _dump(event("dup", "这个手机很好用"))
    yield "duplicate_id_b", _dump(event("dup", "这个手机太差了，退货"))


def _invalid() -> Iterator[tuple[str, bytes]]:
    yield "control_chars_text", _dump(event("ctl", "坏" + CONTROLS + "字"))
    yield "ansi_in_name", _dump(event("ansi", "文", author={"id": "a", "name": "\x1b[2J\x1b]0;pwn\x07"}))
    yield "ansi_in_id", _dump(event("x\x1b[31m", "文"))
    yield "rich_markup_id", _dump(event("[bold]x[/bold]", "文"))
    yield "too_long_text", _dump(event("long", "长" * 20001))
    yield "oversized_message", _dump(event("big", "文", campaign="c" * 300_000))
    yield "deeply_nested_json", b'{"id":"weibo:deep","nested":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    head = _dump(event("nest", "文"))[:-1]
    yield "nested_in_field", head + b',"engagement":{"likes":' + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"}}"
    yield "lone_surrogate", b'{"id":"weibo:sur","platform":"weibo","author":{"id":"1"},"text":"\\ud800",' \
                           b'"created_at":"2024-06-03T10:00:00+08:00"}'
    yield "not_json", "\u2028\u2029{".encode()


def corpus(seed: int = SEED) -> list[tuple[str, bytes]]:
    """Every hostile message with its label: valid events first, then messages to dead-letter."""
    rng = random.Random(seed)
    return [*_valid(rng), *_invalid()]


def cascades(size: int = 4000, seed: int = SEED) -> dict[str, list[Event]]:
    """Repost trees as ``CascadeNode`` keyword arguments, per shape (root id ``r``)."""
    rng = random.Random(seed)
    deep = [{"event_id": f"d{i}", "parent_id": f"d{i - 1}" if i else "r", "author_name": f"u{i}",
             "created_at": float(i)} for i in range(size)]
    wide = [{"event_id": f"w{i}", "author_name": f"u{i}", "created_at": float(i)} for i in range(size)]
    loop = [{"event_id": f"c{i}", "parent_id": f"c{(i + 1) % size}", "author_name": f"u{i}",
             "created_at": float(i)} for i in range(size)]
    names = tuple(f"n{i}" for i in range(size))
    chains = [{"event_id": f"x{j}", "author_name": f"a{j}", "repost_chain": names[j * size // 8 :],
               "created_at": float(j)} for j in range(4)]
    dups = [{"event_id": f"p{i % (size // 4)}", "parent_id": f"p{rng.randrange(size // 4)}",
             "author_name": f"u{rng.randrange(50)}", "created_at": float(i)} for i in range(size)]
    return {"deep": deep, "wide": wide, "loop": loop, "chains": chains, "duplicates": dups}


def _variant(raw: bytes, k: int) -> bytes:
    """Copy ``k`` of a corpus message: a distinct id and text (so no copy is a replay of another)."""
    try:
        ev = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw + f" {k}".encode()
    if not isinstance(ev, dict) or not isinstance(ev.get("id"), str):
        return raw + f" {k}".encode()
    ev["id"] = f"{ev['id']}-{k}"
    text = ev.get("text")
    if isinstance(text, str):  # a long text keeps its length: a 20,000-character one stays valid, 20,001 invalid
        ev["text"] = f"{k} {text}"[: len(text)] if len(text) > 1000 else f"{k} {text}"
    return _dump(ev)


KINDS: dict[str, tuple[str, ...]] = {
    "long_repetitive": ("repeat_",),
    "long_mixed_script": ("mixed_scripts", "random_cjk", "emoji_sequences", "zero_width_and_bidi", "mentions_and_tags"),
    "separators_and_bidi": ("line_separators", "bidi_title"),
    "huge_chains": ("chain_",),
    "markup_and_urls": ("markup_name_", "urls"),
    "duplicate_ids": ("duplicate_id_",),
    "control_characters": ("control_chars_text", "ansi_in_", "rich_markup_id"),
    "oversized": ("too_long_text", "oversized_message"),
    "nested_json": ("deeply_nested_json", "nested_in_field"),
    "broken_encoding": ("lone_surrogate", "not_json"),
}
"""The corpus's messages by the attack they try (label prefixes); the stream kinds below add repost trees."""
TREE_KINDS = ("deep_parent_chain", "parent_cycle", "wide_fan")
TREE_SIZE = 50
"""Reposts in one tree of the stream (a deep chain, a cycle, a fan); each copy is a new tree."""


def repost_tree(kind: str, k: int) -> list[bytes]:
    """Copy ``k`` of a repost tree of the stream: ``TREE_SIZE`` reposts linked by ``parent_id``."""
    root = f"weibo:{kind}-{k}-root"
    ids = [f"weibo:{kind}-{k}-{i}" for i in range(TREE_SIZE)]
    if kind == "deep_parent_chain":
        parents = [root, *ids[:-1]]
    elif kind == "parent_cycle":  # every node's parent is the next one: no way up to the root
        parents = [*ids[1:], ids[0]]
    else:
        parents = [root] * TREE_SIZE
    return [_dump(event(rid.split(":", 1)[1], f"转发 {kind} {i}", kind="repost", root_id=root, parent_id=parent))
            for i, (rid, parent) in enumerate(zip(ids, parents, strict=True))]


def hostile_stream(n: int, seed: int = SEED) -> list[bytes]:
    """``n`` distinct hostile messages, the same number of each kind of attack (:data:`KINDS`, :data:`TREE_KINDS`).

    Within a kind the corpus's messages take turns, each copy with its own ids and texts; a
    repost-tree kind gives whole trees. Drawing by kind, not by message, keeps the kinds with
    many variants in the corpus (20,000-character texts) from crowding out the others.
    """
    messages = corpus(seed)
    pools: list[list[bytes]] = [[raw for label, raw in messages if label.startswith(prefixes)]
                                for prefixes in KINDS.values()]
    taken = [0] * (len(pools) + len(TREE_KINDS))
    trees: list[list[bytes]] = [[] for _ in TREE_KINDS]
    out: list[bytes] = []
    while len(out) < n:
        kind = len(out) % len(taken)
        i = taken[kind]
        taken[kind] += 1
        if kind < len(pools):
            pool = pools[kind]
            out.append(_variant(pool[i % len(pool)], i // len(pool)))
            continue
        tree = trees[kind - len(pools)]
        if not tree:
            tree.extend(reversed(repost_tree(TREE_KINDS[kind - len(pools)], i // TREE_SIZE)))
        out.append(tree.pop())
    return out
