"""A database per backend (chDB and clickhouse-server 18.16) holding the demo data, shared by this package.

The demo stream (pipeline/data/demo_stream.jsonl, what ``sociallisten demo`` replays) is analysed and
stored as the worker stores it (mentions, and through them audience and cascade tables; cascade
metrics), plus two spike alerts and four desk cases on the report's day. The expected numbers are
computed from the analysed events in Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeline.bench.monitor import enrich, store
from pipeline.config import AlertSettings, Settings
from pipeline.monitor.alerts import AlertEngine
from pipeline.monitor.cascade_store import CascadeTracker
from pipeline.monitor.models import Alert
from pipeline.sample import DEMO_STREAM_PATH
from pipeline.storage import ClickHouse, connect
from pipeline.storage.migrate import migrate
from pipeline.storage.tables import MENTION_COLUMNS, mention_rows
from pipeline.text import get_analyzer
from tests.fixtures.clickhouse import fresh_database
from tests.integration.deploy.dashboards import desk_cases

DAY = date(2024, 6, 17)  # the newest day of the demo stream (UTC)
NOON = datetime(2024, 6, 17, 12, tzinfo=UTC)


@dataclass
class DemoDB:
    """A filled database, its URL, and the stored mention rows (one per event) for expectations."""

    ch: ClickHouse
    url: str
    rows: list[dict[str, Any]]


def _alerts(ch: ClickHouse) -> None:
    engine = AlertEngine(ch, AlertSettings())
    alerts = [Alert(alert_id=f"蒙牛|negative|{i}", brand=brand, signal="negative",
                    window_start=NOON + timedelta(hours=i), window_end=NOON + timedelta(hours=i, minutes=5),
                    fired_at=NOON + timedelta(hours=i, minutes=5), count=12, baseline_mean=2.0, baseline_std=1.0,
                    baseline_windows=48, threshold=5.0, score=7.0, severity="high",
                    explanation="负面提及突增：<b>质量</b>")
              for i, brand in enumerate(["蒙牛", "伊利"])]
    engine.record(alerts)  # stored as the alert leader stores them


def fill(ch: ClickHouse) -> list[dict[str, Any]]:
    """Store the demo data; the mention rows, one per event."""
    items = enrich(DEMO_STREAM_PATH.read_bytes().splitlines(), get_analyzer(Settings().resolved_lexicon))
    tracker = CascadeTracker(ch)
    store(ch, items, tracker)
    tracker.refresh_due(everything=True)
    _alerts(ch)
    opened = [("logistics", 30), ("refund", 10), ("quality", 4), ("quality", 2)]
    desk_cases(ch, datetime(2024, 6, 18, tzinfo=UTC), opened)
    rows = {r[0]: dict(zip(MENTION_COLUMNS, r, strict=True)) for r in mention_rows(items)}
    return list(rows.values())


@pytest.fixture(scope="package", params=["chdb", "server"])
def demo_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoDB]:
    """The demo data in a fresh database on each backend."""
    with fresh_database(request, lambda: tmp_path_factory.mktemp("report")) as url:
        ch = connect(url)
        try:
            migrate(ch)
            yield DemoDB(ch, url, fill(ch))
        finally:
            ch.close()


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A private directory for files of one test."""
    return tmp_path
