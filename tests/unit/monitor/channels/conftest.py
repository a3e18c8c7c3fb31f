"""Alerts with hostile text from the stream, channel files written to a private directory, metric readings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.metrics import Metrics
from pipeline.monitor.channels.config import ChannelsFile, load_channels
from pipeline.monitor.models import Alert, AuthorCount, PostRef, TermScore
from tests.unit.monitor.channels.servers import RobotServer

HOSTILE = ("[点我](https://evil.example/x) @all <@all> <font color=\"warning\">!</font> **粗** # 标题\n"
           "> 引用 www.evil.cn")


def make_alert(alert_id: str = "蒙牛|negative|1764590400", severity: str = "high", brand: str = "蒙牛",
               signal: str = "negative", text: str = "牛奶有异味 " + HOSTILE) -> Alert:
    """An alert whose stream-made fields carry markdown, links and mentions."""
    start = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    return Alert(
        alert_id=alert_id, brand=brand, signal=signal, window_start=start, window_end=start + timedelta(minutes=5),
        fired_at=start + timedelta(minutes=5), count=40, baseline_mean=5.0, baseline_std=2.0, baseline_windows=20,
        threshold=11.0, score=17.5, severity=severity,
        top_terms=[TermScore(term="异味", count=12, expected=0.5, score=20.0),
                   TermScore(term="[x](http://a.b)", count=3, expected=0.0, score=3.0)],
        top_authors=[AuthorCount(author_id="u1", author_name="@all", followers=10, mentions=4)],
        top_posts=[PostRef(event_id="weibo:1", author_name="<@all>", text=text, engagement=99, created_at=start)],
        explanation="蒙牛 · negative: 40 in the last 5 min",
    )


@pytest.fixture
def alert() -> Alert:
    """The hostile alert."""
    return make_alert()


@pytest.fixture
def channels_file(tmp_path: Path) -> Callable[[str], ChannelsFile]:
    """Write YAML to a private (0600) channels file and load it."""

    def write(text: str) -> ChannelsFile:
        path = tmp_path / "alert-channels.yaml"
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)
        return load_channels(path)

    return write


@pytest.fixture
def servers() -> Iterator[list[RobotServer]]:
    """Robot servers made by a test; all closed afterwards."""
    made: list[RobotServer] = []
    yield made
    for server in made:
        server.close()


def delivered(metrics: Metrics, channel: str, outcome: str) -> float:
    """The value of sociallisten_alert_deliveries_total{channel, outcome} as /metrics shows it."""
    for line in metrics.render().decode().splitlines():
        if line.startswith("sociallisten_alert_deliveries_total{") and f'channel="{channel}"' in line \
                and f'outcome="{outcome}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0
