"""The Grafana dashboards' ClickHouse queries, expanded as Grafana's ClickHouse plugin would, and a filled database."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.bench.monitor import enrich, store
from pipeline.config import AlertSettings, DeskSettings, Settings
from pipeline.desk import store as desk_store
from pipeline.desk.lifecycle import apply
from pipeline.desk.models import Command, Observation, Op, Slot
from pipeline.monitor.alerts import AlertEngine
from pipeline.monitor.event_index import EventIndex
from pipeline.monitor.events import assign_events
from pipeline.sample import generate_events
from pipeline.storage import ClickHouse
from pipeline.text import get_analyzer
from tests.integration.monitor.streams import burst, steady
from tests.integration.tracking import funnel_data as tracking

DASHBOARDS = Path(__file__).resolve().parents[3] / "deploy" / "grafana" / "dashboards"
CLICKHOUSE_UID = "sociallisten-clickhouse"


@dataclass(frozen=True)
class Query:
    """One ClickHouse query of a dashboard (a panel's target or a template variable)."""

    dashboard: str
    title: str
    sql: str


def clickhouse_queries() -> Iterator[Query]:
    """Every query the dashboards send to the ClickHouse data source."""
    for path in sorted(DASHBOARDS.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        for var in spec.get("templating", {}).get("list", []):
            if var.get("datasource", {}).get("uid") == CLICKHOUSE_UID:
                yield Query(path.name, f"variable {var['name']}", var["query"])
        for panel in spec["panels"]:
            for target in panel.get("targets", []):
                uid = target.get("datasource", panel.get("datasource", {})).get("uid")
                if uid == CLICKHOUSE_UID:
                    yield Query(path.name, panel["title"], target["rawSql"])


def _macro_argument(sql: str, start: int) -> int:
    """Index of the parenthesis closing the one at ``start``."""
    depth = 0
    for i in range(start, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[i], 0)
        if depth == 0:
            return i
    raise ValueError(f"unbalanced parentheses in {sql!r}")


def expand(sql: str, since: datetime, until: datetime, brands: list[str]) -> str:
    """Grafana's macros as the ClickHouse plugin expands them (time filter, multi-value variable)."""
    sql = sql.replace("${brand:singlequote}", ", ".join("'" + b.replace("'", "\\'") + "'" for b in brands))
    marker = "$__timeFilter("
    while (at := sql.find(marker)) >= 0:
        close = _macro_argument(sql, at + len(marker) - 1)
        column = sql[at + len(marker) : close]
        low, high = int(since.timestamp()), int(until.timestamp())
        bounds = f"{column} >= toDateTime({low}) AND {column} <= toDateTime({high})"
        sql = sql[:at] + bounds + sql[close + 1 :]
    assert "$" not in sql, f"a Grafana macro this test does not expand: {sql}"
    return sql


def fill(ch: ClickHouse, now: datetime) -> None:
    """Mentions and their derived tables, hot events, alerts and desk cases, all within the last days before ``now``."""
    analyzer = get_analyzer(Settings().resolved_lexicon)
    index = EventIndex()  # the worker's hot-event assignment, before each batch is stored
    for items in (enrich(list(generate_events(1500, seed=11, start=now, days=3)), analyzer),
                  enrich(steady(now), analyzer), enrich(burst(now), analyzer)):
        assign_events(index, items)
        store(ch, items)
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
        desk_store.write_outcome(ch, out.case, out.events, out.new_messages)
        for n, op in enumerate((Op.claim, Op.reply, Op.resolve)[: i % 3 + 1]):
            slot, out = apply(slot, Command(op=op, command_id=f"c{i}{n}", at=at + timedelta(minutes=20 * (n + 1)),
                                            actor="alice", role="agent", case_id=out.case.case_id), cfg)
            desk_store.write_outcome(ch, out.case, out.events, out.new_messages)


def window(now: datetime) -> tuple[datetime, datetime]:
    """The dashboards' default range for this data: the last week."""
    return now - timedelta(days=7), now + timedelta(minutes=1)


def utc_now() -> datetime:
    """Now, to the second."""
    return datetime.now(UTC).replace(microsecond=0)
