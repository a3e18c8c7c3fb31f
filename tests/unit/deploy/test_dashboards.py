"""The Grafana dashboards: three of them, provisioned, and the pipeline-health one asks only for metrics we export."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline.metrics import Metrics

DASHBOARDS = Path(__file__).resolve().parents[3] / "deploy" / "grafana" / "dashboards"


def _load(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((DASHBOARDS / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_three_dashboards_with_unique_uids() -> None:
    uids = {path.name: _load(path.name)["uid"] for path in DASHBOARDS.glob("*.json")}
    assert set(uids) == {"sociallisten.json", "pipeline-health.json", "desk.json"}
    assert len(set(uids.values())) == 3


def test_pipeline_health_queries_name_only_exported_metrics() -> None:
    metrics = Metrics()
    metrics.dead_letters.labels(reason="invalid_json").inc()
    metrics.consumer_lag.labels(topic="social.posts", partition="0").set(1)
    metrics.batch_seconds.labels(stage="analyse").observe(0.1)
    metrics.clickhouse_insert_seconds.observe(0.1)
    metrics.desk_cases.labels(status="new").set(1)
    exported = set(re.findall(r"^(sociallisten_\w+)", metrics.render().decode(), re.M))
    exprs = [t["expr"] for p in _load("pipeline-health.json")["panels"] for t in p["targets"]]
    named = {m for e in exprs for m in re.findall(r"\bsociallisten_\w+", e)}
    titles = " ".join(p["title"].lower() for p in _load("pipeline-health.json")["panels"])
    for topic in ("throughput", "lag", "dead letters", "batch latency"):
        assert topic in titles
    assert named and named <= exported, named - exported
    assert {"sociallisten_events_stored_total", "sociallisten_consumer_lag"} <= named
