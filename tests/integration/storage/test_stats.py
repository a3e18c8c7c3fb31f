"""stats() is exact under duplicates, replays and new versions."""

from __future__ import annotations

import pytest

from pipeline.storage import ClickHouse
from pipeline.storage.stats import stats
from pipeline.storage.tables import DEADLETTER_COLUMNS, MENTION_COLUMNS
from tests.integration.storage.rows import T0, Row, dead_letter, dead_tuples, expected_stats, sample_mentions, tuples

pytestmark = pytest.mark.integration


def test_empty_database(ch: ClickHouse) -> None:
    assert stats(ch) == expected_stats([], [])


def test_stats_are_exact_under_duplicates(ch: ClickHouse) -> None:
    rows = sample_mentions(seed=3, n=80)
    dead = [dead_letter(f"bad {i}".encode(), reason) for i, reason in enumerate(["invalid_json"] * 3 + ["too_large"])]
    mentions: list[Row] = []
    dead_inserted: list[Row] = []
    for version in (1, 2, 3):
        batch = [dict(r, version=version) for r in rows]
        ch.insert("mentions", MENTION_COLUMNS, tuples(batch[:40]))
        ch.insert("mentions", MENTION_COLUMNS, tuples(batch[40:]))
        again = [dict(d, version=version, offset=version, received_at=T0.replace(month=version + 4)) for d in dead]
        ch.insert("dead_letters", DEADLETTER_COLUMNS, dead_tuples(again))  # redelivered in other months
        mentions += batch
        dead_inserted += again
    # A later version changes the classification of one event; stats follow the latest version.
    changed = dict(rows[0], version=9, signals=["buyer"], buyer=1, service_request=0, sentiment="negative")
    ch.insert("mentions", MENTION_COLUMNS, tuples([changed]))
    mentions.append(changed)
    got = stats(ch)
    assert got == expected_stats(mentions, dead_inserted)
    assert got["mentions"] == 80 and got["dead_lettered"] == 4
    assert got["dead_letters_by_reason"] == {"invalid_json": 3, "too_large": 1}
