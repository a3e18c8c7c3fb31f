"""``sociallisten sample``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from typer.testing import CliRunner

from pipeline.cli.sample import sample_command
from tests.unit.sample.helpers import split


def _app() -> typer.Typer:
    """An app with the sample command only (plus a no-op, so typer keeps sub-commands)."""
    app = typer.Typer()
    app.command("sample")(sample_command)
    app.command("noop")(lambda: None)
    return app


def test_writes_events_to_stdout() -> None:
    result = CliRunner().invoke(_app(), ["sample", "--events", "200", "--seed", "3"])
    assert result.exit_code == 0, result.output
    lines = result.stdout_bytes.splitlines()
    assert len(lines) == 200
    valid, rejected = split(lines)
    assert len(valid) == 200 and not rejected


def test_same_seed_same_output_and_invalid_rate() -> None:
    args = ["sample", "--events", "300", "--seed", "9", "--invalid-rate", "0.1", "--days", "2"]
    first = CliRunner().invoke(_app(), args)
    second = CliRunner().invoke(_app(), args)
    assert first.exit_code == 0 and first.stdout_bytes == second.stdout_bytes
    valid, rejected = split(first.stdout_bytes.splitlines())
    assert len(rejected) == 30 and len(valid) == 270


def test_writes_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    result = CliRunner().invoke(_app(), ["sample", "--events", "50", "--output", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_bytes().splitlines()
    assert len(lines) == 50
    assert not result.stdout_bytes.strip().startswith(b"{")


def test_rejects_bad_options() -> None:
    assert CliRunner().invoke(_app(), ["sample", "--events", "5", "--invalid-rate", "2"]).exit_code != 0
    assert CliRunner().invoke(_app(), ["sample", "--events", "5", "--end", "2024-06-01T00:00:00"]).exit_code != 0


def test_end_now_puts_the_stream_in_the_last_days() -> None:
    before = datetime.now(UTC)
    result = CliRunner().invoke(_app(), ["sample", "--events", "100", "--days", "1", "--end", "now"])
    assert result.exit_code == 0, result.output
    valid, _ = split(result.stdout_bytes.splitlines())
    times = [event.created_at for event in valid]
    assert max(times) <= datetime.now(UTC) and min(times) >= before - timedelta(days=1, minutes=1)
    assert max(times) >= before - timedelta(hours=6)
