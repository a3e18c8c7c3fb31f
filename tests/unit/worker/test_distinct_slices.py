"""How a batch's texts are shared out among the analysis processes."""

from __future__ import annotations

import pytest

from pipeline.worker.analysis_pool import distinct_slices


def _rebuild(slices: list[tuple[list[str], list[str]]], order: list[int]) -> list[tuple[str, str]]:
    done = [pair for texts, titles in slices for pair in zip(texts, titles, strict=True)]
    return [done[i] for i in order]


@pytest.mark.parametrize("parts", [1, 2, 3, 7])
def test_every_input_maps_back_to_its_own_text_and_title(parts: int) -> None:
    texts = ["转发微博", "好喝", "转发微博", "退款", "好喝", "转发微博", "物流太慢"]
    titles = ["", "", "", "", "标题", "", ""]
    slices, order = distinct_slices(texts, titles, parts)
    assert _rebuild(slices, order) == list(zip(texts, titles, strict=True))


def test_each_distinct_pair_is_sent_once() -> None:
    texts = ["a", "b", "a", "c", "b", "a"]
    slices, _ = distinct_slices(texts, [""] * 6, 2)
    sent = [t for part, _ in slices for t in part]
    assert sorted(sent) == ["a", "b", "c"]


def test_a_same_text_with_another_title_is_analysed_apart() -> None:
    slices, order = distinct_slices(["同一句", "同一句"], ["", "新品"], 1)
    assert slices == [(["同一句", "同一句"], ["", "新品"])]
    assert order == [0, 1]


def test_slices_are_near_equal_and_never_more_than_the_processes() -> None:
    texts = [str(i) for i in range(10)]
    slices, _ = distinct_slices(texts, [""] * 10, 3)
    assert [len(part) for part, _ in slices] == [4, 4, 2]
    assert len(distinct_slices(texts[:2], [""] * 2, 8)[0]) == 2


def test_an_empty_batch_has_no_slices() -> None:
    assert distinct_slices([], [], 2) == ([], [])
