"""The term rollup (migration 016) gives the exact figures, also for mentions stored before it, under replays.

Exact: term_daily as 012 defined it, aggregating mentions FINAL (since 018 term_daily reads the rollup).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.config import Settings
from pipeline.search.sample_rows import analysed_rows
from pipeline.storage import ClickHouse, connect
from pipeline.storage.migrate import load_migrations, migrate
from pipeline.storage.tables import MENTION_COLUMNS
from pipeline.text import get_analyzer

pytestmark = pytest.mark.integration


EXACT = """(
    SELECT day, brand, term, uniqExact(event_id) AS mentions
    FROM
    (
        SELECT toDate(created_at) AS day, event_id, arrayJoin(arrayConcat([''], brands)) AS brand,
               arrayJoin(arrayConcat(keywords, arrayMap(h -> concat('#', h, '#'), hashtags))) AS term
        FROM mentions FINAL
    )
    GROUP BY day, brand, term
)"""


def _terms(ch: ClickHouse, view: str) -> dict[tuple[object, ...], int]:
    rows = ch.query(f"SELECT day, brand, term, mentions FROM {view}")
    return {(r["day"], r["brand"], r["term"]): int(r["mentions"]) for r in rows}


def test_term_rollup_equals_term_daily_with_backfill_and_replays(clickhouse_url: str) -> None:
    batches = list(analysed_rows(600, get_analyzer(Settings().resolved_lexicon), seed=3,
                                 end=datetime(2026, 11, 20, tzinfo=UTC), days=5.0, batch=200))
    before, during, after = batches
    ch = connect(clickhouse_url)
    try:
        migrate(ch, [m for m in load_migrations() if m.version < "016"])
        ch.insert("mentions", MENTION_COLUMNS, before)  # stored before the rollup existed: the backfill counts them
        migrate(ch)
        for rows in (during, before, after, during):  # replays of a stored batch change nothing
            ch.insert("mentions", MENTION_COLUMNS, rows)
        rolled = _terms(ch, "term_mentions_daily")
        assert rolled == _terms(ch, EXACT) == _terms(ch, "term_daily")
        assert sum(n for (_d, brand, _t), n in rolled.items() if brand == "") > 600  # several terms per mention
        assert any(term.startswith("#") for (_d, _b, term) in rolled)
        assert migrate(ch) == []  # nothing pending: the backfill does not run again
        assert _terms(ch, "term_mentions_daily") == rolled
    finally:
        ch.close()
