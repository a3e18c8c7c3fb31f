"""``sociallisten local-cluster``: a cluster that answers, and nothing left behind after SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from pipeline.storage import connect
from pipeline.storage.migrate import migrate

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


def test_local_cluster_serves_the_cluster_schema_and_stops_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "out.log"
    with open(out, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "pipeline", "local-cluster", "--shards", "1", "--replicas", "2",
                                 "--dir", str(tmp_path / "cluster")], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while "Ctrl-C" not in out.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, out.read_text()
            time.sleep(0.3)
        text = out.read_text()
        url = re.search(r"SOCIALLISTEN_CLICKHOUSE_URL=(\S+)", text).group(1)  # type: ignore[union-attr]
        cluster = re.search(r"SOCIALLISTEN_CLICKHOUSE_CLUSTER=(\S+)", text).group(1)  # type: ignore[union-attr]
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) == 3, "ZooKeeper and two clickhouse-server nodes"
        ch = connect(url)
        try:
            assert migrate(ch, cluster=cluster)
            engines = {r["name"]: r["engine"] for r in ch.query("SELECT name, engine FROM system.tables "
                                                                "WHERE database = currentDatabase()")}
            assert engines["mentions"] == "Distributed"
        finally:
            ch.close()
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"left running: {[p.pid for p in alive]}"
