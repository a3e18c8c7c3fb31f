"""The generator: valid, reproducible, realistic streams."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.sample import DEFAULT_END, generate_events
from pipeline.sample.stream import ACTIVE_THREADS, MAX_CASCADES, Stream
from schemas.events import SocialEvent
from tests.unit.sample.helpers import dev_rows, split


@pytest.fixture(scope="module")
def stream() -> list[SocialEvent]:
    """20,000 events of seed 11 (all valid)."""
    events, rejected = split(generate_events(20_000, seed=11))
    assert not rejected
    return events


def test_same_seed_same_lines_other_seed_other_lines() -> None:
    first = list(generate_events(2000, seed=3, invalid_rate=0.02))
    assert first == list(generate_events(2000, seed=3, invalid_rate=0.02))
    assert first != list(generate_events(2000, seed=4, invalid_rate=0.02))
    assert all(isinstance(line, bytes) and b"\n" not in line for line in first)


def test_is_lazy_and_yields_exactly_n() -> None:
    lines = generate_events(1_000_000, seed=1)
    assert len(list(itertools.islice(lines, 10))) == 10
    assert len(list(generate_events(0))) == 0
    assert len(list(generate_events(123, seed=2))) == 123


@pytest.mark.parametrize("seed", [0, 1, 2, 99])
def test_every_line_validates(seed: int) -> None:
    events, rejected = split(generate_events(3000, seed=seed))
    assert len(events) == 3000 and not rejected


def test_composition(stream: list[SocialEvent]) -> None:
    kinds = Counter(e.kind.value for e in stream)
    n = len(stream)
    assert 0.27 <= kinds["comment"] / n <= 0.33
    assert 0.15 <= kinds["repost"] / n <= 0.28
    assert kinds["post"] + kinds["article"] >= 0.4 * n
    platforms = Counter(e.platform.value for e in stream)
    assert platforms.most_common(1)[0][0] == "weibo" and platforms["weibo"] > 0.5 * n
    assert all(platforms[p] > 0.04 * n for p in ("wechat", "tieba", "qq", "xiaohongshu"))
    assert {e.platform.value for e in stream if e.kind.value == "article"} == {"wechat"}
    assert all(e.engagement.reads is not None for e in stream if e.kind.value == "article")


def test_thread_links_point_back_into_the_stream(stream: list[SocialEvent]) -> None:
    seen: dict[str, SocialEvent] = {}
    for event in stream:
        assert event.id not in seen
        if event.parent_id is not None:
            parent, root = seen[event.parent_id], seen[event.root_id or ""]
            assert root.root_id is None and parent.platform == event.platform
            assert (parent.root_id or parent.id) == event.root_id
            assert event.created_at >= parent.created_at
        seen[event.id] = event


def test_repost_chains_match_the_parent_structure(stream: list[SocialEvent]) -> None:
    depth: dict[str, int] = {}
    for event in stream:
        if event.kind.value == "repost":
            depth[event.id] = depth.get(event.parent_id or "", 0) + 1
            assert event.text.count("//@") == depth[event.id] - 1
    assert max(depth.values()) >= 5


def test_cascade_reposts_carry_real_mids_and_chains(stream: list[SocialEvent]) -> None:
    by_id = {e.id: e for e in stream}
    deep = [e for e in stream if e.kind.value == "repost" and e.text.count("//@") >= 2]
    assert deep
    for event in deep[:50]:
        parent = by_id[event.parent_id or ""]
        own, _, rest = event.text.partition("//@")
        assert rest == f"{parent.author.name}:{parent.text}"


def test_comments_answer_threads_of_their_platform(stream: list[SocialEvent]) -> None:
    comments = [e for e in stream if e.kind.value == "comment"]
    replies = [c for c in comments if c.parent_id != c.root_id]
    assert replies and any(c.text.startswith("回复") for c in replies)
    assert all(c.parent_id == c.root_id for c in comments if c.platform.value == "wechat")


def test_ids_unique_when_the_corpus_is_used_up() -> None:
    ids: set[str] = set()
    texts = Counter()
    for line in generate_events(90_000, seed=5):
        event = SocialEvent.model_validate_json(line)
        assert event.id not in ids
        ids.add(event.id)
        texts[event.text] += 1
    assert len(ids) == 90_000


def test_times_cover_the_window_with_a_daily_rhythm(stream: list[SocialEvent]) -> None:
    end = DEFAULT_END
    start = end - timedelta(days=7)
    assert all(start <= e.created_at <= end for e in stream)
    ordered = sum(a.created_at <= b.created_at for a, b in itertools.pairwise(stream))
    assert ordered > 0.9 * len(stream)
    hours = Counter(e.created_at.astimezone(timezone(timedelta(hours=8))).hour for e in stream)
    assert hours[21] > 4 * hours[4]
    days = Counter(e.created_at.date() for e in stream)
    assert len(days) >= 7


def test_custom_window() -> None:
    end = datetime(2025, 1, 1, tzinfo=UTC)
    events, _ = split(generate_events(500, seed=1, start=end, days=0.5))
    assert all(end - timedelta(days=0.5) <= e.created_at <= end for e in events)
    with pytest.raises(ValueError):
        generate_events(10, start=datetime(2025, 1, 1))
    with pytest.raises(ValueError):
        generate_events(10, days=0)
    with pytest.raises(ValueError):
        generate_events(10, invalid_rate=1.5)
    with pytest.raises(ValueError):
        generate_events(-1)


def test_authors_repeat_and_look_plausible(stream: list[SocialEvent]) -> None:
    per_author = Counter(e.author.id for e in stream)
    assert per_author.most_common(1)[0][1] >= 20
    repeat_events = sum(n for n in per_author.values() if n >= 2)
    assert repeat_events > 0.4 * len(stream)
    profiles = {e.author.id: e.author for e in stream}
    bots = [a for a in profiles.values() if a.followers <= 30 and a.posts >= 3000]
    assert bots and len(bots) < 0.1 * len(profiles)
    assert any(a.verified for a in profiles.values())
    real_mids = [e for e in stream if e.platform.value == "weibo" and not e.id.split(":")[1].isdigit()]
    ced = [e.author for e in real_mids if e.kind.value == "post"]
    assert ced and any(a.created_at is not None and a.created_at.year < 2014 for a in ced)
    threads: dict[str, Counter[str]] = {}
    for e in stream:
        if e.kind.value == "comment":
            threads.setdefault(e.root_id or "", Counter())[e.author.id] += 1
    assert any(max(c.values()) >= 2 for c in threads.values())


def test_texts_carry_commerce_signals(stream: list[SocialEvent]) -> None:
    texts = [e.text for e in stream]
    for word in ("收到", "回购", "快递", "蒙牛", "伊利", "退", "客服"):
        assert any(word in t for t in texts), word


def test_no_dev_text_in_the_stream(stream: list[SocialEvent]) -> None:
    dev = {str(r["text"]) for r in dev_rows()}
    assert not {e.text for e in stream} & dev


def test_state_stays_bounded() -> None:
    s = Stream(200_000, 1, DEFAULT_END, 7.0)
    for _ in range(60_000):
        s.valid(s.clock.tick())
    assert s.threads.count <= ACTIVE_THREADS
    assert len(s.cascades) <= MAX_CASCADES
    assert len(s.invented) <= 2 * ACTIVE_THREADS + 1


@settings(max_examples=12, deadline=None)
@given(n=st.integers(1, 400), seed=st.integers(0, 2**31), rate=st.floats(0, 0.3))
def test_any_seed_gives_valid_linked_events(n: int, seed: int, rate: float) -> None:
    events, rejected = split(generate_events(n, seed=seed, invalid_rate=rate))
    assert len(rejected) == int(n * rate + 0.5)
    ids = set()
    for e in events:
        if e.parent_id is not None:
            assert e.parent_id in ids and e.root_id in ids
        ids.add(e.id)


def test_some_authors_repeat_themselves_in_a_thread(stream: list[SocialEvent]) -> None:
    said = Counter((e.root_id, e.author.id, e.text) for e in stream if e.kind.value == "comment")
    assert any(n >= 2 for n in said.values())


def test_water_army_reposts_repeat_one_text(stream: list[SocialEvent]) -> None:
    per_thread: dict[str, Counter[str]] = {}
    for e in stream:
        if e.kind.value == "repost":
            own = e.text.partition("//@")[0]
            per_thread.setdefault(e.root_id or "", Counter())[own] += 1
    repeated = [c.most_common(1)[0] for c in per_thread.values() if c]
    assert any(n >= 10 and len(text) >= 6 and text != "转发微博" for text, n in repeated)


def test_water_army_accounts_look_like_bots() -> None:
    s = Stream(30_000, 2, DEFAULT_END, 7.0)
    corpus = s.sources.corpus
    uid = sorted(corpus.bot_uids - set(corpus.profiles))[0]
    bot = s.authors.ced_account(uid)
    assert bot.bot and bot.data["followers"] <= 30 and bot.data["posts"] >= 3000
    poster = next(iter(corpus.profiles))
    assert s.authors.ced_account(poster).data["followers"] == corpus.profiles[poster]["followers"]
