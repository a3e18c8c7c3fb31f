"""Search and export through real ClickHouse (chDB and clickhouse-server 18.16) against a brute-force filter."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest

from pipeline.search import export, run
from pipeline.search.models import Search
from pipeline.search.parse import parse
from pipeline.search.query import matches
from pipeline.storage import ClickHouse
from pipeline.storage.tables import MENTION_COLUMNS
from tests.integration.search.data import QueryMaker, dicts, in_range, rows

pytestmark = pytest.mark.integration


@pytest.fixture
def filled(ch: ClickHouse) -> ClickHouse:
    ch.insert("mentions", MENTION_COLUMNS, list(rows()))
    return ch


def test_twenty_generated_queries_equal_a_brute_force_filter(filled: ClickHouse) -> None:
    data = dicts()
    maker = QueryMaker(seed=2024)
    nonempty = 0
    for _ in range(20):
        q = maker.expr()
        start, end = maker.window()
        node = parse(q)
        hits = sorted((d for d in data if in_range(d, start, end) and matches(node, d)),
                      key=lambda d: (d["created_at"], d["event_id"]), reverse=True)
        expected = {d["event_id"] for d in hits}
        search = Search(q=q, from_=start, to=end)
        found = [r["event_id"] for block in run.blocks(filled, search, ["event_id"], block=37) for r in block]
        assert len(found) == len(set(found)), "keyset pages never repeat a row"
        assert found == [d["event_id"] for d in hits], q  # newest first, across the windows read
        assert run.counts(filled, search).total == len(expected)
        nonempty += bool(expected)
    assert nonempty >= 8, "the generated queries find something"


def test_page_order_counts_and_drill_down(filled: ClickHouse) -> None:
    data = dicts()
    search = Search(q="NOT sentiment:neutral", sort="engagement")
    first = run.page(filled, search, limit=10)
    engagement = [h.reposts + h.comments + h.likes for h in first.hits]
    assert engagement == sorted(engagement, reverse=True) and first.next_cursor
    second = run.page(filled, search, limit=10, cursor=first.next_cursor)
    assert not {h.event_id for h in first.hits} & {h.event_id for h in second.hits}
    counts = run.counts(filled, search)
    hits = [d for d in data if d["sentiment"] != "neutral"]
    assert {b.key: b.count for b in counts.by_platform} == dict(Counter(d["platform"] for d in hits))
    assert {b.key: b.count for b in counts.by_brand} == dict(Counter(b for d in hits for b in d["brands"]))
    for bucket in [*counts.by_day[:2], *counts.by_brand[:2], *counts.by_platform[:2]]:
        drill = Search(q=bucket.q, from_=bucket.from_, to=bucket.to)
        assert run.counts(filled, drill).total == bucket.count, bucket


def test_traditional_and_full_width_queries_match_alike(filled: ClickHouse) -> None:
    pairs = [("质量", "質量"), ("蒙牛", "蒙牛"), ("iphone", "ＩＰＨＯＮＥ"), ("发货", "發貨")]
    for simplified, variant in pairs:
        assert run.counts(filled, Search(q=variant)).total == run.counts(filled, Search(q=simplified)).total


def test_exported_csv_reads_back_with_the_chinese_text(filled: ClickHouse) -> None:
    search = Search(q="蒙牛 OR 伊利 OR 退款")
    out = io.BytesIO()
    written = export.export_to(out, export.mention_source(filled, search, block=25), export.EXPORT_COLUMNS, "csv")
    assert out.getvalue().startswith(b"\xef\xbb\xbf")
    with io.TextIOWrapper(io.BytesIO(out.getvalue()), encoding="utf-8-sig", newline="") as f:
        table = list(csv.DictReader(f))
    texts = {d["event_id"]: d["text"] for d in dicts()}
    assert written == len(table) == export.count(filled, search) > 0
    for row in table:
        text = texts[row["event_id"]]
        assert row["text"] == (("'" + text) if text.startswith(("=", "+", "-", "@")) else text)
    assert any("蒙牛" in r["text"] or "伊利" in r["text"] for r in table)


def test_a_bi_view_exports_in_blocks(filled: ClickHouse) -> None:
    columns = export.view_columns(filled, "share_of_voice_daily")
    whole = filled.query(f"SELECT {', '.join(columns)} FROM share_of_voice_daily")
    out = io.BytesIO()
    n = export.export_to(out, export.view_source(filled, "share_of_voice_daily", columns, block=7), columns, "jsonl")
    assert n == len(whole) == len(out.getvalue().splitlines()) > 0


def test_a_replayed_batch_changes_no_page_and_no_count(filled: ClickHouse) -> None:
    search = Search(q="NOT kind:comment", sort="engagement")
    before = [r["event_id"] for block in run.blocks(filled, search, ["event_id"], block=50) for r in block]
    counts = run.counts(filled, search)
    replay = [tuple(v + 1 if c == "version" else v for c, v in zip(MENTION_COLUMNS, r, strict=True))
              for r in rows()[:150]]
    filled.insert("mentions", MENTION_COLUMNS, replay)
    after = [r["event_id"] for block in run.blocks(filled, search, ["event_id"], block=50) for r in block]
    assert after == before and run.counts(filled, search) == counts
    assert export.count(filled, search) == len(before)
