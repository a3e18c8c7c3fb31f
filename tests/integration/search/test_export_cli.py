"""``sociallisten export`` as a user runs it, against clickhouse-server 18.16."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from pipeline.search.models import Search
from pipeline.search.run import counts
from pipeline.storage import connect
from pipeline.storage.migrate import migrate
from pipeline.storage.tables import MENTION_COLUMNS
from tests.fixtures.clickhouse import ClickHouseServer
from tests.integration.search.data import END, rows

pytestmark = pytest.mark.integration


def test_export_command_writes_the_search_and_refuses_a_bad_query(clickhouse_server: ClickHouseServer,
                                                                   tmp_path: Path) -> None:
    url = clickhouse_server.url(f"t_{uuid.uuid4().hex[:12]}")
    ch = connect(url)
    migrate(ch)
    ch.insert("mentions", MENTION_COLUMNS, list(rows()))
    expected = counts(ch, Search(q="蒙牛 OR 伊利 OR 牛奶", to=END)).total
    ch.close()
    env = {**os.environ, "SOCIALLISTEN_CLICKHOUSE_URL": url, "SOCIALLISTEN_DATA_DIR": str(tmp_path)}
    out = tmp_path / "out.csv"
    cmd = [sys.executable, "-m", "pipeline", "export", "--query", "蒙牛 OR 伊利 OR 牛奶", "--to", END.isoformat(),
           "--format", "csv", "--out", str(out)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{expected} rows -> {out}" in done.stderr and expected > 0
    with out.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.DictReader(f))
    assert len(table) == expected and any("蒙牛" in r["text"] or "牛奶" in r["text"] for r in table)
    bad = subprocess.run([*cmd[:5], "蒙牛 AND (", "--format", "csv"], env=env, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 1 and "error: --query: unexpected end of query (at character 8)" in bad.stderr
