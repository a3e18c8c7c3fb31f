"""The local cluster starts when one of its chosen ports is taken before it binds (a CI failure: exit 70)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from clickhouse_driver import Client

from pipeline.local.clickhouse_cluster import LocalCluster

pytestmark = pytest.mark.integration


def test_cluster_starts_on_new_ports_when_one_is_taken(tmp_path: Path) -> None:
    cluster = LocalCluster(tmp_path, shards=1, replicas=1)
    node = cluster.nodes[0][0]
    taken = node.port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as thief:
        thief.bind((node.host, taken))
        thief.listen(1)
        with cluster:
            node = cluster.nodes[0][0]
            assert node.port != taken and node.running
            client = Client(node.host, port=node.port)
            try:
                assert client.execute("SELECT count() FROM system.zookeeper WHERE path = '/'")[0][0] > 0
            finally:
                client.disconnect()
    assert not node.running and cluster.zookeeper.proc is not None and cluster.zookeeper.proc.poll() is not None


def test_cluster_gives_up_after_its_attempts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    thieves: list[socket.socket] = []

    def take_every_node_port(self: LocalCluster) -> None:
        original(self)
        for node in self.all_nodes:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((node.host, node.port))
            sock.listen(1)
            thieves.append(sock)

    original = LocalCluster._choose_ports
    monkeypatch.setattr(LocalCluster, "_choose_ports", take_every_node_port)
    try:
        cluster = LocalCluster(tmp_path, shards=1, replicas=1, attempts=2)
        with pytest.raises(RuntimeError, match="(?s)did not start in 2 attempts.*Address already in use"):
            cluster.start()
        assert cluster.zookeeper.proc is not None and cluster.zookeeper.proc.poll() is not None
    finally:
        for sock in thieves:
            sock.close()
