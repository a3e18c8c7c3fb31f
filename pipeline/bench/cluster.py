"""Insert and query rates of one clickhouse-server against the cluster schema on a local 2 x 2 cluster.

    python -m pipeline.bench.cluster [--events 100000] [--batch 4000]

Both run on this machine (Debian's clickhouse-server 18.16 and zookeeper): the single server alone,
then ZooKeeper and four nodes sharing the same cores, so the cluster figure is what the cluster's
coordination costs, not what four machines would give. Mentions are enriched once, then inserted
in worker-sized batches (``--batch``) as the worker inserts them (materialized views included),
through the Distributed table for the cluster. Prints one line per figure.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from pipeline.bench.monitor import enrich, time_views
from pipeline.config import Settings
from pipeline.local.clickhouse_cluster import LocalCluster
from pipeline.local.clickhouse_server import ClickHouseServer
from pipeline.records import Enriched
from pipeline.storage import ClickHouse, connect
from pipeline.storage.migrate import migrate
from pipeline.storage.tables import MENTION_COLUMNS, mention_rows
from pipeline.text import get_analyzer


def _insert_rate(ch: ClickHouse, items: list[Enriched], batch: int) -> float:
    """Events per second inserted into ``mentions`` in batches of ``batch``."""
    start = time.perf_counter()
    for i in range(0, len(items), batch):
        ch.insert("mentions", MENTION_COLUMNS, mention_rows(items[i : i + batch]))
    return len(items) / (time.perf_counter() - start)


def _report(label: str, ch: ClickHouse, items: list[Enriched], batch: int) -> None:
    rate = _insert_rate(ch, items, batch)
    print(f"{label}: inserted {len(items)} events in batches of {batch}: {rate:,.0f} events/s")
    since = min(item.event.created_at for item in items).date()
    for name, seconds, rows in time_views(ch, since, repeat=3):
        print(f"  {name:<40} {seconds:8.3f} s  {rows:>7} rows")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    from pipeline.sample import generate_events

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000, help="events (default 100000)")
    parser.add_argument("--batch", type=int, default=4000, help="events per insert (default 4000, the worker's)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    items = enrich(list(generate_events(args.events, seed=11)), get_analyzer(Settings().resolved_lexicon))
    root = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    database = f"bench_{uuid.uuid4().hex[:6]}"
    server = ClickHouseServer.launch(lambda: Path(tempfile.mkdtemp(dir=root)))
    try:
        ch = connect(server.url(database))
        migrate(ch)
        _report("one server", ch, items, args.batch)
        ch.close()
    finally:
        server.stop()
    with LocalCluster(root / "cluster") as cluster:
        ch = connect(cluster.url(database))
        migrate(ch, cluster=cluster.name)
        _report(f"cluster {cluster.shards} x {cluster.replicas} (one machine)", ch, items, args.batch)
        ch.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
