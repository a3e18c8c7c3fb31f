"""``sociallisten local-cluster``: ZooKeeper and shards x replicas of clickhouse-server here, to try a cluster."""

from __future__ import annotations

import signal
import tempfile
from pathlib import Path

import typer

from pipeline.cli import app


@app.command("local-cluster")
def local_cluster_command(
    shards: int = typer.Option(2, "--shards", min=1, max=8, help="Shards."),
    replicas: int = typer.Option(2, "--replicas", min=1, max=4, help="Replicas of each shard."),
    directory: Path | None = typer.Option(None, "--dir", help="Where the nodes keep their data (default: a new "
                                          "temporary directory)."),
    database: str = typer.Option("sociallisten", "--database", help="The database the printed URLs name."),
) -> None:
    """Run a throw-away ClickHouse cluster (Debian's zookeeper and clickhouse-server) until Ctrl-C.

    Prints the settings that point the pipeline at it; `sociallisten migrate` then creates the
    cluster schema on every node.
    """
    from pipeline.local.clickhouse_cluster import DEFAULT_CLUSTER, LocalCluster

    root = directory or Path(tempfile.mkdtemp(prefix="sociallisten-cluster-"))
    root.mkdir(parents=True, exist_ok=True)
    cluster = LocalCluster(root, shards=shards, replicas=replicas)
    cluster.start()
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)  # after the nodes started: they keep theirs
    try:
        typer.echo(f"ClickHouse cluster {DEFAULT_CLUSTER}: {shards} shards x {replicas} replicas, data in {root}")
        for s, row in enumerate(cluster.nodes):
            for r, node in enumerate(row):
                typer.echo(f"  shard {s + 1} replica {r + 1}: {node.url(database)}")
        typer.echo(f"export SOCIALLISTEN_CLICKHOUSE_URL={cluster.url(database)}")
        typer.echo(f"export SOCIALLISTEN_CLICKHOUSE_CLUSTER={DEFAULT_CLUSTER}")
        typer.echo("Ctrl-C stops every node.")
        signal.sigwait(stop_signals)
    finally:
        cluster.stop()
