"""The per-event analysis budget: a text that runs over it becomes an ``analysis_timeout`` dead letter."""

from __future__ import annotations

import threading
import time

import orjson
import pytest

from pipeline.records import RawRecord
from pipeline.text import Analysis
from pipeline.text.keywords import KeywordExtractor
from pipeline.worker.analysis_pool import analyze_texts
from pipeline.worker.budget import (
    ANALYSIS_TIMEOUT,
    AnalysisTimeout,
    batch_allowance,
    deadline,
    is_timeout,
    timeout_error,
)
from pipeline.worker.enrich import process_batch
from schemas.deadletter import Stage
from tests.unit.text._support import analyzer

GOOD = ["收到货了，质量不错，已经回购第三次", "物流太慢了，一周还没发货"]


def _spin(seconds: float) -> None:
    """Pure-Python busy work, for the timer to interrupt."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_deadline_interrupts_pure_python_work_in_the_main_thread() -> None:
    started = time.perf_counter()
    with pytest.raises(AnalysisTimeout), deadline(0.05):
        _spin(5.0)
    assert time.perf_counter() - started < 2.0
    with deadline(1.0):  # finished in time: the timer is disarmed, nothing fires later
        pass
    _spin(0.05)


def test_deadline_does_nothing_off_the_main_thread() -> None:
    raised: list[BaseException] = []

    def body() -> None:
        try:
            with deadline(0.01):
                _spin(0.05)
        except BaseException as exc:  # pragma: no cover - the failure this test looks for
            raised.append(exc)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert raised == []


def test_allowance_and_error_strings() -> None:
    assert batch_allowance(None, 10) is None and batch_allowance(0.0, 10) is None
    assert batch_allowance(2.0, 10) == 2.0 and batch_allowance(2.0, 4000) == 80.0
    assert is_timeout(timeout_error(2.0)) and timeout_error(2.0).startswith(ANALYSIS_TIMEOUT)
    assert not is_timeout("ValueError: analysis_timeout: no")


def _slow_on(marker: str, monkeypatch: pytest.MonkeyPatch, seconds: float = 3.0) -> list[str]:
    """Make keyword extraction spin ``seconds`` on a batch with ``marker``; the list returned records each spin done."""
    extract_many = KeywordExtractor.extract_many
    finished: list[str] = []

    def slow(self: KeywordExtractor, texts: list[list[str]], k: int = 5) -> list[list[str]]:
        if any(marker in tokens for tokens in texts):
            _spin(seconds)
            finished.append(marker)
        return extract_many(self, texts, k)

    monkeypatch.setattr(KeywordExtractor, "extract_many", slow)
    return finished


def test_a_slow_text_times_out_and_the_others_are_analysed(monkeypatch: pytest.MonkeyPatch) -> None:
    finished = _slow_on("slowpoke", monkeypatch, seconds=30.0)
    texts = [GOOD[0], "收到货了 slowpoke 质量不错", GOOD[1]]
    an = analyzer()
    out = analyze_texts(an, texts, ["", "", ""], budget=0.3)
    assert finished == [], "the timer did not cut the slow text short"
    assert isinstance(out[0], Analysis) and isinstance(out[2], Analysis)
    assert isinstance(out[1], str) and is_timeout(out[1])
    assert out[0] == an.analyze(GOOD[0])


def test_off_the_main_thread_the_overrun_is_measured_and_still_dead_lettered(monkeypatch: pytest.MonkeyPatch) -> None:
    _slow_on("slowpoke", monkeypatch, seconds=0.5)  # no timer here: it runs in full, twice
    out: list[list[Analysis | str]] = []
    thread = threading.Thread(target=lambda: out.append(analyze_texts(analyzer(), ["slowpoke 慢", GOOD[1]],
                                                                      ["", ""], budget=0.3)))
    thread.start()
    thread.join()
    [(slow, good)] = out
    assert isinstance(slow, str) and is_timeout(slow)
    assert isinstance(good, Analysis)


def test_a_timed_out_event_is_a_dead_letter_with_its_own_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    _slow_on("slowpoke", monkeypatch)
    texts = [GOOD[0], "收到货了 slowpoke 质量不错", GOOD[1]]
    lines = [orjson.dumps({"id": f"weibo:{i}", "platform": "weibo", "author": {"id": str(i)}, "text": t,
                           "created_at": "2024-06-03T10:00:00+08:00"}) for i, t in enumerate(texts)]
    records = [RawRecord("t.posts", 0, i, line) for i, line in enumerate(lines)]
    result = process_batch(records, analyzer(), max_bytes=10**6, max_text_chars=10**4, budget=0.3)
    assert [item.event.id for item in result.enriched] == ["weibo:0", "weibo:2"]
    [dead] = result.dead_letters
    assert (dead.stage, dead.reason, dead.offset) == (Stage.enrich, ANALYSIS_TIMEOUT, 1)
    assert dead.raw == lines[1]


def test_without_a_budget_nothing_changes() -> None:
    assert analyze_texts(analyzer(), GOOD, ["", ""]) == [analyzer().analyze(t) for t in GOOD]
    assert analyze_texts(analyzer(), GOOD, ["", ""], budget=5.0) == [analyzer().analyze(t) for t in GOOD]
