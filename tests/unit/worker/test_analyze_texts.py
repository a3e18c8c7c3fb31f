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
