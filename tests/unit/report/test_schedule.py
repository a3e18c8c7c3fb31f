"""SOCIALLISTEN_REPORT_SCHEDULE: parsing, the next run, the period a run reports on, the directory sink."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.report.schedule import Delivery, DirectorySink, Entry, next_run, parse_schedule


def test_parse() -> None:
    assert parse_schedule("daily 08:00; Weekly  MON 7:05 ;") == [
        Entry(kind="day", hour=8, minute=0), Entry(kind="week", weekday=0, hour=7, minute=5)]


@pytest.mark.parametrize("bad", ["", ";", "daily 24:00", "daily 8", "hourly 08:00", "weekly 08:00",
                                 "weekly monday 08:00", "0 8 * * *"])
def test_bad_schedules_name_the_variable(bad: str) -> None:
    with pytest.raises(ConfigError, match="SOCIALLISTEN_REPORT_SCHEDULE"):
        parse_schedule(bad)


def test_next_run_and_period() -> None:
    entries = parse_schedule("daily 08:00; weekly mon 07:00")
    wed = datetime(2024, 6, 19, 8, 0, tzinfo=UTC)  # a Wednesday, exactly at the daily time: the next one
    at, entry = next_run(entries, wed)
    assert at == datetime(2024, 6, 20, 8, 0, tzinfo=UTC) and entry.kind == "day"
    assert entry.period_at(at).start == date(2024, 6, 19)
    sun = datetime(2024, 6, 23, 9, 0, tzinfo=UTC)
    at, entry = next_run(entries, sun)
    assert at == datetime(2024, 6, 24, 7, 0, tzinfo=UTC) and entry.kind == "week"
    period = entry.period_at(at)
    assert (period.start, period.end) == (date(2024, 6, 17), date(2024, 6, 24))  # the week just ended


def test_directory_sink_writes_whole_files(tmp_path: Path) -> None:
    delivery = Delivery(title="舆情日报", period="2024-06-17", brand="蒙牛",
                        files={"a.html": b"<p>x</p>", "a.pdf": b"%PDF"}, markdown="# x")
    DirectorySink(tmp_path / "out").push(delivery)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.html", "a.pdf"]
    assert (tmp_path / "out" / "a.pdf").read_bytes() == b"%PDF"


def test_sinks_and_formats_from_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from pipeline.config import Settings
    from pipeline.report.scheduled import formats_from, sinks_from

    monkeypatch.setenv("SOCIALLISTEN_DATA_DIR", str(tmp_path))
    (sink,) = sinks_from(Settings())
    assert isinstance(sink, DirectorySink) and sink.directory == tmp_path / "reports"
    monkeypatch.setenv("SOCIALLISTEN_REPORT_PUSH", "dir,webhook")
    with pytest.raises(ConfigError, match="needs SOCIALLISTEN_ALERT_WEBHOOK"):
        sinks_from(Settings())
    monkeypatch.setenv("SOCIALLISTEN_REPORT_PUSH", "email")
    with pytest.raises(ConfigError, match="unknown place"):
        sinks_from(Settings())
    assert formats_from(Settings()) == ["html", "pdf"]
    monkeypatch.setenv("SOCIALLISTEN_REPORT_FORMATS", "html,docx")
    with pytest.raises(ConfigError, match="SOCIALLISTEN_REPORT_FORMATS"):
        formats_from(Settings())
