"""The Grafana dashboards' ClickHouse queries, expanded as Grafana's ClickHouse plugin would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parents[3] / "deploy" / "grafana" / "dashboards"
CLICKHOUSE_UID = "sociallisten-clickhouse"


@dataclass(frozen=True)
class Query:
    """One ClickHouse query of a dashboard (a panel's target or a template variable)."""

    dashboard: str
    title: str
    sql: str


def clickhouse_queries(directory: Path = DASHBOARDS) -> Iterator[Query]:
    """Every query the dashboards send to the ClickHouse data source."""
    for path in sorted(directory.glob("*.json")):
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
    """Grafana's macros as the ClickHouse plugin expands them (time and date filters, range ends, variables)."""
    sql = sql.replace("${brand:singlequote}", ", ".join("'" + b.replace("'", "\\'") + "'" for b in brands))
    low, high = int(since.timestamp()), int(until.timestamp())
    filters = {
        "$__timeFilter(": "{c} >= toDateTime({low}) AND {c} <= toDateTime({high})",
        "$__dateFilter(": "{c} >= toDate('{day0}') AND {c} <= toDate('{day1}')",  # UTC days
    }
    day0, day1 = since.astimezone(UTC).date().isoformat(), until.astimezone(UTC).date().isoformat()
    for marker, bounds in filters.items():
        while (at := sql.find(marker)) >= 0:
            close = _macro_argument(sql, at + len(marker) - 1)
            column = sql[at + len(marker) : close]
            sql = sql[:at] + bounds.format(c=column, low=low, high=high, day0=day0, day1=day1) + sql[close + 1 :]
    # the range's ends as DateTime, as the plugin writes them (milliseconds divided down to seconds)
    sql = sql.replace("$__fromTime", f"toDateTime(intDiv({low * 1000}, 1000))")
    sql = sql.replace("$__toTime", f"toDateTime(intDiv({high * 1000}, 1000))")
    if "$" in sql:
        raise ValueError(f"a Grafana macro this expansion does not know: {sql}")
    return sql
