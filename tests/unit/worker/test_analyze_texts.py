"""analyze_texts: input order, one analysis per distinct (text, title), never raises."""

from __future__ import annotations

from pipeline.text import Analysis
from pipeline.worker.analysis_pool import analyze_texts
from tests.unit.text._support import analyzer

TEXTS = ["转发微博", "收到货了，质量不错，已经回购第三次", "转发微博", "物流太慢了，一周还没发货", "转发微博"]


def test_repeated_texts_are_analysed_once_and_keep_their_places() -> None:
    an = analyzer()
    calls: list[int] = []
    batch = an.analyze_batch

    class Counting:  # the analyzer as analyze_texts sees it, counting the texts it analyses
        def analyze_batch(self, texts: list[str], titles: list[str]) -> list[Analysis]:
            calls.append(len(texts))
            return batch(texts, titles=titles)

    titles = ["", "", "", "", "新品"]  # the same text under another title is another analysis
    out = analyze_texts(Counting(), TEXTS, titles)  # type: ignore[arg-type]
    assert calls == [4]
    alone = [an.analyze(t, title=h) for t, h in zip(TEXTS, titles, strict=True)]
    assert out == alone
    assert out[0] is out[2] and out[4] is not out[0]
    assert out[1].buyer and out[3].service_request  # type: ignore[union-attr]


def test_distinct_texts_go_through_unchanged() -> None:
    texts = TEXTS[1:4:2]
    assert analyze_texts(analyzer(), texts, ["", ""]) == [analyzer().analyze(t) for t in texts]


def test_a_text_that_breaks_the_analyser_becomes_an_error_string_in_its_place() -> None:
    an = analyzer()

    class Fragile:
        def analyze_batch(self, texts: list[str], titles: list[str]) -> list[Analysis]:
            raise RuntimeError("batch failed")

        def analyze(self, text: str, title: str = "") -> Analysis:
            if text == "坏":
                raise ValueError("poison")
            return an.analyze(text, title=title)

    out = analyze_texts(Fragile(), ["坏", TEXTS[1], "坏"], ["", "", ""])  # type: ignore[arg-type]
    assert out[0] == out[2] == "ValueError: poison"
    assert isinstance(out[1], Analysis) and out[1].buyer


def test_an_analyser_fault_on_one_event_dead_letters_it_and_keeps_the_rest_of_the_batch(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import orjson

    from pipeline.records import RawRecord
    from pipeline.text.keywords import KeywordExtractor
    from pipeline.worker.enrich import ANALYSIS_ERROR, process_batch
    from schemas.deadletter import Stage

    extract = KeywordExtractor.extract

    def faulty(self: KeywordExtractor, tokens: list[str], k: int = 5) -> list[str]:
        if "poison29" in tokens:
            raise KeyError("poison29")
        return extract(self, tokens, k)

    monkeypatch.setattr(KeywordExtractor, "extract", faulty)
    texts = [TEXTS[1], "收到货了 poison29 质量不错", TEXTS[3], TEXTS[0]]
    lines = [orjson.dumps({"id": f"weibo:{i}", "platform": "weibo", "author": {"id": str(i)}, "text": t,
                           "created_at": "2024-06-03T10:00:00+08:00"}) for i, t in enumerate(texts)]
    records = [RawRecord("t.posts", 0, i, line) for i, line in enumerate(lines)]
    result = process_batch(records, analyzer(), max_bytes=10**6, max_text_chars=10**4)
    assert [item.event.id for item in result.enriched] == ["weibo:0", "weibo:2", "weibo:3"]
    [dead] = result.dead_letters
    assert (dead.stage, dead.reason, dead.offset) == (Stage.enrich, ANALYSIS_ERROR, 1)
    assert dead.error == "KeyError: 'poison29'" and dead.raw == lines[1]
