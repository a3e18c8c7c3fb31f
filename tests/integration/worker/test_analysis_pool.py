"""The analysis processes beside the worker: same analyses as in-process, in order, through crashes."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
from collections.abc import Iterator
from multiprocessing import active_children

import orjson
import pytest

from pipeline.config import Settings
from pipeline.sample import generate_events
from pipeline.text import get_analyzer
from pipeline.worker.analysis_pool import AnalysisPool


@pytest.fixture(scope="module")
def batch() -> tuple[list[str], list[str]]:
    """Texts and titles of the bundled stream, with repeats (reposts saying the same)."""
    events = [orjson.loads(line) for line in generate_events(300, seed=5, invalid_rate=0.0)]
    texts = [ev["text"] for ev in events]
    titles = [ev.get("title", "") for ev in events]
    assert len(set(zip(texts, titles, strict=True))) < len(texts), "the sample should repeat some texts"
    return texts, titles


@pytest.fixture
def expected(batch: tuple[list[str], list[str]]) -> list[dict[str, object]]:
    texts, titles = batch
    analyzer = get_analyzer(Settings().resolved_lexicon)
    return [dataclasses.asdict(an) for an in analyzer.analyze_batch(texts, titles=titles)]


def _pool(processes: int) -> Iterator[AnalysisPool]:
    pool = AnalysisPool(Settings().resolved_lexicon, processes)
    pool.start()
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def two() -> Iterator[AnalysisPool]:
    yield from _pool(2)


@pytest.fixture
def one() -> Iterator[AnalysisPool]:
    yield from _pool(1)


def _analyse(pool: AnalysisPool, texts: list[str], titles: list[str]) -> list[dict[str, object]]:
    out = asyncio.run(pool.analyze(texts, titles))
    assert all(not isinstance(an, str) for an in out), [an for an in out if isinstance(an, str)][:1]
    return [dataclasses.asdict(an) for an in out if not isinstance(an, str)]


def test_two_processes_share_a_batch_and_return_it_in_input_order(
    two: AnalysisPool, batch: tuple[list[str], list[str]], expected: list[dict[str, object]]
) -> None:
    texts, titles = batch
    assert _analyse(two, texts, titles) == expected
    # a batch smaller than the pool, and one text alone
    assert _analyse(two, texts[:1], titles[:1]) == expected[:1]


def test_a_killed_analysis_process_is_replaced_and_the_batch_still_analysed(
    one: AnalysisPool, batch: tuple[list[str], list[str]], expected: list[dict[str, object]]
) -> None:
    texts, titles = batch
    children = active_children()
    assert children, "the pool should run its analysis process"
    for child in children:
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
    assert _analyse(one, texts, titles) == expected
    assert _analyse(one, texts[:10], titles[:10]) == expected[:10]  # and the new process goes on


def test_an_analysis_process_times_out_texts_over_the_budget(batch: tuple[list[str], list[str]]) -> None:
    """The SIGALRM budget in the process itself: with a budget no text can meet, every one times out."""
    from pipeline.worker.budget import is_timeout

    pool = AnalysisPool(Settings().resolved_lexicon, 1, budget=1e-6)
    pool.start()
    try:
        texts, titles = batch[0][:5], batch[1][:5]
        out = asyncio.run(pool.analyze(texts, titles))
        assert len(out) == 5 and all(isinstance(an, str) and is_timeout(an) for an in out), out[:1]
        generous = AnalysisPool(Settings().resolved_lexicon, 0, budget=30.0)
        assert all(not isinstance(an, str) for an in asyncio.run(generous.analyze(texts, titles)))
        generous.close()
    finally:
        pool.close()
