"""The one settings object: sections, environment variable names, secrets and errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic_settings import BaseSettings

from pipeline.config import Settings, load_settings
from pipeline.config.reference import MASK, reference
from pipeline.config.sections import ENV_PREFIX
from pipeline.errors import ConfigError


def _sections(settings: Settings) -> dict[str, BaseSettings]:
    return {name: getattr(settings, name) for name in type(settings).model_fields
            if isinstance(getattr(settings, name), BaseSettings)}


def test_every_field_documents_its_environment_variable() -> None:
    settings = Settings()
    models: list[BaseSettings] = [settings, *_sections(settings).values()]
    names: list[str] = []
    for model in models:
        for name, info in type(model).model_fields.items():
            if isinstance(getattr(model, name), BaseSettings):
                continue
            variable = f"{ENV_PREFIX}{name.upper()}"
            assert (info.description or "").startswith(variable), f"{type(model).__name__}.{name}"
            names.append(variable)
    assert len(names) == len(set(names)), "two settings share a variable"
    assert {"SOCIALLISTEN_KAFKA_URL", "SOCIALLISTEN_CLICKHOUSE_URL", "SOCIALLISTEN_BATCH_SIZE", "SOCIALLISTEN_WEB_PORT",
            "SOCIALLISTEN_API_TOKENS", "SOCIALLISTEN_DESK_JOIN_WINDOW_HOURS", "SOCIALLISTEN_SLA_FIRST_RESPONSE",
            "SOCIALLISTEN_ALERT_K", "SOCIALLISTEN_LIVE_BUFFER", "SOCIALLISTEN_LOG_FORMAT"} <= set(names)


def test_variables_land_in_their_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALLISTEN_PARTITIONS", "8")
    monkeypatch.setenv("SOCIALLISTEN_BATCH_SIZE", "123")
    monkeypatch.setenv("SOCIALLISTEN_ALERT_K", "2.5")
    monkeypatch.setenv("SOCIALLISTEN_DESK_JOIN_WINDOW_HOURS", "12")
    monkeypatch.setenv("SOCIALLISTEN_LIVE_BUFFER", "50")
    s = load_settings()
    assert (s.kafka.partitions, s.worker.batch_size, s.alerts.alert_k) == (8, 123, 2.5)
    assert (s.desk.desk_join_window_hours, s.monitor.live_buffer) == (12, 50)
    with pytest.raises(Exception, match="frozen"):
        s.kafka.partitions = 2  # type: ignore[misc]  # the point: assignment to a frozen section fails


def test_a_bad_value_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALLISTEN_ALERT_K", "-1")
    with pytest.raises(ConfigError, match=r"^SOCIALLISTEN_ALERT_K: Input should be greater than 0"):
        load_settings()
    monkeypatch.setenv("SOCIALLISTEN_ALERT_K", "3")
    monkeypatch.setenv("SOCIALLISTEN_SLA_RESOLUTION", "urgent:1")
    with pytest.raises(ConfigError, match=r"^SOCIALLISTEN_SLA_RESOLUTION: .*missing minutes for high"):
        load_settings()


def test_the_heartbeat_must_fit_three_times_in_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALLISTEN_SESSION_TIMEOUT", "6")
    monkeypatch.setenv("SOCIALLISTEN_HEARTBEAT_INTERVAL", "2.5")
    with pytest.raises(ConfigError, match=r"SOCIALLISTEN_HEARTBEAT_INTERVAL=2.5 must be at most a third of "
                                          r"SOCIALLISTEN_SESSION_TIMEOUT=6"):
        load_settings()
    monkeypatch.setenv("SOCIALLISTEN_HEARTBEAT_INTERVAL", "2")
    kafka = load_settings().kafka
    assert (kafka.session_timeout, kafka.heartbeat_interval) == (6.0, 2.0)


def test_secrets_are_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALLISTEN_CLICKHOUSE_URL", "clickhouse://bi:pa55-w0rd@db:9000/social")
    monkeypatch.setenv("SOCIALLISTEN_API_TOKENS", "t0ken-abcdef:agent")
    s = load_settings()
    for text in (repr(s), str(s), s.model_dump_json(), repr(reference(s))):
        assert "pa55-w0rd" not in text and "t0ken-abcdef" not in text
    assert s.resolved_clickhouse_url == "clickhouse://bi:pa55-w0rd@db:9000/social"  # for connecting only
    shown = {row.variable: row.value for row in reference(s)}
    assert shown["SOCIALLISTEN_CLICKHOUSE_URL"] == MASK and shown["SOCIALLISTEN_API_TOKENS"] == MASK


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                          env={**clean, **env}, timeout=120)


def test_the_command_line_reports_a_bad_setting_without_a_traceback() -> None:
    done = _cli("config", SOCIALLISTEN_PARTITIONS="many")
    assert done.returncode == 1
    assert done.stderr.startswith("error: SOCIALLISTEN_PARTITIONS: Input should be a valid integer"), done.stderr
    assert "Traceback" not in done.stderr


def test_the_config_command_lists_every_setting_with_secrets_masked() -> None:
    done = _cli("config", "--json", SOCIALLISTEN_CLICKHOUSE_URL="clickhouse://u:hunter22@h/db",
                SOCIALLISTEN_WEB_PORT="9090")
    assert done.returncode == 0, done.stderr
    assert "hunter22" not in done.stdout
    import json

    rows = {row["variable"]: row for row in map(json.loads, done.stdout.splitlines())}
    assert rows["SOCIALLISTEN_WEB_PORT"]["value"] == "9090" and rows["SOCIALLISTEN_WEB_PORT"]["section"] == "web"
    assert rows["SOCIALLISTEN_CLICKHOUSE_URL"]["value"] == MASK
    assert len(rows) == sum(1 for _ in reference(Settings()))
