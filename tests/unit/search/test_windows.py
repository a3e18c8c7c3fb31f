"""The newest-first windows a search sorted by time reads its range in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.search.models import Cursor, Search
from pipeline.search.run import FIRST_WINDOW, _windows

END = datetime(2026, 6, 18, 12, 30, tzinfo=UTC)


def test_windows_tile_the_range_newest_first_each_four_times_the_last() -> None:
    start = END - timedelta(days=30)
    windows = list(_windows(Search(from_=start, to=END), None))
    assert windows[0] == (END - FIRST_WINDOW, END) and windows[-1][0] == start
    for (lo, _), (_, hi) in zip(windows, windows[1:], strict=False):
        assert hi == lo  # contiguous, no gap and no overlap
    lengths = [hi - lo for lo, hi in windows if lo is not None and hi is not None]
    assert lengths[:3] == [FIRST_WINDOW, 4 * FIRST_WINDOW, 16 * FIRST_WINDOW]
    assert sum(lengths, timedelta()) == END - start


def test_a_short_range_is_one_window_and_an_open_one_ends_open() -> None:
    assert list(_windows(Search(from_=END - timedelta(hours=3), to=END), None)) == [(END - timedelta(hours=3), END)]
    windows = list(_windows(Search(), None))
    assert windows[0][1] is None and windows[-1] == (None, windows[-2][0])  # newest open above, oldest below


def test_a_cursor_moves_the_top_to_just_after_its_second_and_other_sorts_read_once() -> None:
    cursor = Cursor(key=int((END - timedelta(days=2)).timestamp()), event_id="e")
    [first, *_] = _windows(Search(from_=END - timedelta(days=30), to=END), cursor)
    assert first[1] == END - timedelta(days=2) + timedelta(seconds=1)
    search = Search(from_=END - timedelta(days=30), to=END, sort="engagement")
    assert list(_windows(search, cursor)) == [(END - timedelta(days=30), END)]
