"""A filled database for the Grafana dashboards' queries (their expansion: pipeline.bench.queries.dashboards)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pipeline.bench.monitor import enrich, store
from pipeline.bench.queries.dashboards import clickhouse_queries, expand
from pipeline.config import AlertSettings, DeskSettings, Settings
from pipeline.desk import store as desk_store
from pipeline.desk.lifecycle import apply
from pipeline.desk.models import Command, Observation, Op, Slot
from pipeline.monitor import audience_snapshot
from pipeline.monitor.alerts import AlertEngine
from pipeline.monitor.event_index import EventIndex
from pipeline.monitor.events import assign_events
from pipeline.sample import generate_events
from pipeline.storage import ClickHouse
from pipeline.text import get_analyzer
from tests.integration.monitor.streams import burst, steady
from tests.integration.tracking import funnel_data as tracking

__all__ = ["clickhouse_queries", "desk_cases", "expand", "fill", "utc_now", "window"]


def fill(ch: ClickHouse, now: datetime) -> None:
    """Mentions and their derived tables, hot events, alerts and desk cases, all within the last days before ``now``."""
    analyzer = get_analyzer(Settings().resolved_lexicon)
    index = EventIndex()  # the worker's hot-event assignment, before each batch is stored
    for items in (enrich(list(generate_events(1500, seed=11, start=now, days=3)), analyzer),
                  enrich(steady(now), analyzer), enrich(burst(now), analyzer)):
        assign_events(index, items)
        store(ch, items)
    audience_snapshot.refresh(ch)  # as the leader worker does every SOCIALLISTEN_AUDIENCE_REFRESH_SECONDS
    engine = AlertEngine(ch, AlertSettings(alert_min_count=5, alert_window_minutes=5, alert_min_baseline_windows=12))
    engine.record(engine.detect(now.timestamp()))
    desk_cases(ch, now, [("logistics", 50), ("refund", 30), ("quality", 2), ("usage", 1)])
    tracking.store(ch, tracking.stream(tracking.make_links(ch), now))  # the campaign funnel's clicks, visits, orders


def desk_cases(ch: ClickHouse, now: datetime, cases: Sequence[tuple[str, int]]) -> None:
    """Store desk cases as the case agent does: observed, then claimed, replied to or resolved in turn.

    ``cases``: (category, hours before ``now`` it was opened) of each case.
    """
    cfg = DeskSettings()
    for i, (category, age_hours) in enumerate(cases):
        at = now - timedelta(hours=age_hours)
        obs = Observation(event_id=f"weibo:d{i}", platform="weibo", kind="post", thread_id=f"weibo:d{i}",
                          url="https://weibo.com/detail/1", author_id=f"u{i}", author_name="小李",
                          text="快递三天了还没发货，客服也不理人", created_at=at, category=category,
                          detector_priority="normal", brand="蒙牛")
        slot, out = apply(Slot(), Command(op=Op.observe, command_id=f"o{i}", at=at, observation=obs), cfg)
        desk_store.write_outcomes(ch, [(out.case, out.events, out.new_messages)])
        for n, op in enumerate((Op.claim, Op.reply, Op.resolve)[: i % 3 + 1]):
            slot, out = apply(slot, Command(op=op, command_id=f"c{i}{n}", at=at + timedelta(minutes=20 * (n + 1)),
                                            actor="alice", role="agent", case_id=out.case.case_id), cfg)
            desk_store.write_outcomes(ch, [(out.case, out.events, out.new_messages)])


def window(now: datetime) -> tuple[datetime, datetime]:
    """The dashboards' default range for this data: the last week."""
    return now - timedelta(days=7), now + timedelta(minutes=1)


def utc_now() -> datetime:
    """Now, to the second."""
    return datetime.now(UTC).replace(microsecond=0)
