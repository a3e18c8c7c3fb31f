"""A throw-away local ClickHouse cluster: ZooKeeper and shards x replicas of clickhouse-server on loopback.

For the tests and for trying the cluster schema (``sociallisten local-cluster``): Debian's
``zookeeper`` (3.8) and ``clickhouse-server`` (18.16), each node in its own directory with its
own ports, a generated ``remote_servers`` entry (``internal_replication``: a Distributed insert
goes to one replica of a shard and replication copies it), the ``{shard}``/``{replica}`` macros
of the replicated tables and the distributed DDL queue for ``ON CLUSTER``.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.local.child_guard import die_with_parent
from pipeline.local.clickhouse_server import ClickHouseServer
from pipeline.local.ports import free_port

log = logging.getLogger(__name__)

ZOOKEEPER_SCRIPT = Path("/usr/share/zookeeper/bin/zkServer.sh")
DEFAULT_CLUSTER = "sociallisten"


class ZooKeeper:
    """A single ZooKeeper server on a free loopback port, its data in ``root``."""

    def __init__(self, root: Path) -> None:
        """Write ``zoo.cfg`` into ``root`` (nothing starts yet)."""
        if not ZOOKEEPER_SCRIPT.exists():
            raise ConfigError("ZooKeeper is not installed: run `make test-deps` as root, or "
                              "`sudo apt-get install zookeeper` (Debian's 3.8)")
        self.root = root
        self.port = free_port()
        (root / "data").mkdir(parents=True, exist_ok=True)
        (root / "zoo.cfg").write_text(
            f"tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir={root / 'data'}\nclientPort={self.port}\n"
            "clientPortAddress=127.0.0.1\nadmin.enableServer=false\nmaxClientCnxns=0\n"
            "4lw.commands.whitelist=srvr\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until it serves sessions (``srvr`` names its mode)."""
        env = {**os.environ, "ZOO_LOG_DIR": str(self.root), "ZOO_LOG4J_PROP": "WARN,CONSOLE"}
        with open(self.root / "zookeeper.log", "ab") as out:
            self.proc = subprocess.Popen(
                [str(ZOOKEEPER_SCRIPT), "start-foreground", str(self.root / "zoo.cfg")],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True,
                preexec_fn=die_with_parent(os.getpid()),  # the script execs java, which inherits it
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ZooKeeper exited with {self.proc.returncode}; see {self.root / 'zookeeper.log'}")
            if self._answers():
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"ZooKeeper did not answer on port {self.port} within {timeout:.0f} s")

    def _answers(self) -> bool:
        """Whether the server serves sessions.

        ``ruok`` answers ``imok`` as soon as the port is open, while the server may still be loading and
        closes every session handshake; a clickhouse-server 18.16 that meets that with its first ``ON
        CLUSTER`` statement crashes (a NULL ZooKeeper in the distributed DDL). ``srvr`` reports the mode
        only once the server serves requests ("not currently serving requests" before).
        """
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"srvr")
                answer = b""
                while chunk := sock.recv(4096):
                    answer += chunk
                return b"Mode: " in answer
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server (its whole process group: the script starts java)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=10)


def member_config(cluster: str, zookeeper_port: int, nodes: list[list[ClickHouseServer]],
                  shard: int, replica: int) -> str:
    """The config elements of node ``nodes[shard][replica]`` of ``cluster``."""
    shards = "".join(
        "<shard><internal_replication>true</internal_replication>"
        + "".join(f"<replica><host>{node.host}</host><port>{node.port}</port></replica>" for node in row)
        + "</shard>"
        for row in nodes
    )
    server = nodes[shard][replica]
    return (
        f"  <interserver_http_port>{server.interserver_port}</interserver_http_port>\n"
        f"  <interserver_http_host>{server.host}</interserver_http_host>\n"
        f"  <remote_servers><{cluster}>{shards}</{cluster}></remote_servers>\n"
        f"  <zookeeper><node><host>127.0.0.1</host><port>{zookeeper_port}</port></node>"
        "<session_timeout_ms>10000</session_timeout_ms></zookeeper>\n"
        f"  <macros><shard>{shard + 1:02d}</shard><replica>r{replica + 1}</replica></macros>\n"
        "  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>\n"
    )


@dataclass
class LocalCluster:
    """ZooKeeper plus ``shards`` x ``replicas`` clickhouse-server nodes (``nodes[shard][replica]``)."""

    root: Path
    shards: int = 2
    replicas: int = 2
    name: str = DEFAULT_CLUSTER
    zookeeper: ZooKeeper = field(init=False)
    nodes: list[list[ClickHouseServer]] = field(init=False, default_factory=list)

    attempts: int = 3
    """Starts tried, each on newly chosen ports: another process may take a port between choice and bind."""

    def __post_init__(self) -> None:
        """Write every node's config (ports chosen now; nothing starts yet)."""
        self._choose_ports()

    def _choose_ports(self) -> None:
        """Choose free ports for ZooKeeper and every node and write their configs."""
        self.zookeeper = ZooKeeper(self.root / "zookeeper")
        self.nodes = [[ClickHouseServer(self.root / f"ch-{s + 1}-{r + 1}", cluster_member=True)
                       for r in range(self.replicas)] for s in range(self.shards)]
        for s, row in enumerate(self.nodes):
            for r, node in enumerate(row):
                node.configure(member_config(self.name, self.zookeeper.port, self.nodes, s, r))

    @property
    def all_nodes(self) -> list[ClickHouseServer]:
        """Every node, shard by shard."""
        return [node for row in self.nodes for node in row]

    def start(self) -> LocalCluster:
        """Start ZooKeeper, then every node; returns self.

        Every port is chosen before the first process starts, so another process may have bound one
        by then. A start that fails stops what it started and tries again on new ports; RuntimeError
        after :attr:`attempts`.
        """
        for attempt in range(1, self.attempts + 1):
            try:
                self.zookeeper.start()
                for node in self.all_nodes:
                    node.start()
                break
            except RuntimeError as exc:
                self.stop()
                if attempt == self.attempts:
                    raise RuntimeError(f"the local cluster did not start in {attempt} attempts: {exc}") from exc
                log.warning("local cluster start %d failed (%s); trying again on new ports", attempt, exc)
                self._choose_ports()
        log.info("local ClickHouse cluster %s: %d shards x %d replicas, ZooKeeper on %d",
                 self.name, self.shards, self.replicas, self.zookeeper.port)
        return self

    def stop(self) -> None:
        """Stop every node, then ZooKeeper."""
        for node in self.all_nodes:
            node.stop()
            node.kill()
        self.zookeeper.stop()

    def url(self, database: str, shard: int = 0, replica: int = 0) -> str:
        """The native URL of ``database`` on one node."""
        return self.nodes[shard][replica].url(database)

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
