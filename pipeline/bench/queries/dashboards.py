"""The Grafana dashboards' ClickHouse queries, expanded as Grafana's ClickHouse plugin would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
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
    """Grafana's macros as the ClickHouse plugin expands them (time filter, multi-value variable)."""
    sql = sql.replace("${brand:singlequote}", ", ".join("'" + b.replace("'", "\\'") + "'" for b in brands))
    marker = "$__timeFilter("
    while (at := sql.find(marker)) >= 0:
        close = _macro_argument(sql, at + len(marker) - 1)
        column = sql[at + len(marker) : close]
        low, high = int(since.timestamp()), int(until.timestamp())
        bounds = f"{column} >= toDateTime({low}) AND {column} <= toDateTime({high})"
        sql = sql[:at] + bounds + sql[close + 1 :]
    if "$" in sql:
        raise ValueError(f"a Grafana macro this expansion does not know: {sql}")
    return sql
