"""deploy/cluster/docker-compose.yml: the multi-node shape is valid and its parts agree with each other."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import yaml

from tests.unit.deploy.test_compose import PASSWORDS, _compose

CLUSTER_DIR = Path(__file__).resolve().parents[3] / "deploy" / "cluster"


def _spec() -> dict[str, Any]:
    return yaml.safe_load((CLUSTER_DIR / "docker-compose.yml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_docker_compose_config_accepts_the_cluster_file() -> None:
    result = _compose("-f", str(CLUSTER_DIR / "docker-compose.yml"), "config", "-q", env=PASSWORDS)
    assert result.returncode == 0, result.stderr
    result = _compose("-f", str(CLUSTER_DIR / "docker-compose.yml"), "config", "-q", env={})
    assert result.returncode != 0, "every password is required"


def test_three_brokers_three_keepers_two_by_two_clickhouse() -> None:
    services = _spec()["services"]
    brokers = {n for n in services if n.startswith("kafka-")}
    assert brokers == {"kafka-1", "kafka-2", "kafka-3"}
    voters = services["kafka-1"]["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert voters == "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"
    assert {services[b]["environment"]["KAFKA_NODE_ID"] for b in brokers} == {1, 2, 3}
    assert {n for n in services if n.startswith("keeper-")} == {"keeper-1", "keeper-2", "keeper-3"}
    nodes = {n: services[n]["environment"] for n in services if n.startswith("ch-")}
    assert {(e["CLICKHOUSE_SHARD"], e["CLICKHOUSE_REPLICA"]) for e in nodes.values()} == {
        ("01", "r1"), ("01", "r2"), ("02", "r1"), ("02", "r2")}
    assert {"migrate", "worker", "web", "grafana", "prometheus", "loader"} <= set(services)


def test_cluster_config_names_the_nodes_and_keepers_the_compose_file_runs() -> None:
    spec = _spec()
    services = spec["services"]
    root = ET.parse(CLUSTER_DIR / "clickhouse" / "cluster.xml").getroot()
    cluster = root.find("remote_servers")[0]  # type: ignore[index]
    env = spec["x-sociallisten-env"]
    assert cluster.tag == env["SOCIALLISTEN_CLICKHOUSE_CLUSTER"]
    shards = [[r.findtext("host") for r in shard.findall("replica")] for shard in cluster.findall("shard")]
    assert shards == [["ch-1-1", "ch-1-2"], ["ch-2-1", "ch-2-2"]]
    assert all(shard.findtext("internal_replication") == "true" for shard in cluster.findall("shard"))
    keepers = [n.findtext("host") for n in root.find("zookeeper").findall("node")]  # type: ignore[union-attr]
    assert keepers == ["keeper-1", "keeper-2", "keeper-3"] and set(keepers) <= set(services)
    raft = ET.parse(CLUSTER_DIR / "keeper" / "keeper.xml").getroot()
    assert [s.findtext("hostname") for s in raft.iter("server")] == keepers
    assert re.search(r"@ch-\d-\d:9000/", env["SOCIALLISTEN_CLICKHOUSE_URL"])
    assert env["SOCIALLISTEN_REPLICATION_FACTOR"] == "3"
