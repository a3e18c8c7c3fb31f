"""Signed desk commands: what verifies, what does not, and what happens without SOCIALLISTEN_DESK_SECRET."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

import pipeline.cli.serve  # noqa: F401 - registers the command
import pipeline.cli.tail  # noqa: F401 - a second command: typer keeps the sub-command names
from pipeline.cli import app
from pipeline.config import DeskSettings
from pipeline.desk.models import Command, Observation, Op
from pipeline.desk.signing import SECRET_FILE, SIGNATURE_FIELD, desk_secret, require_secret, signed, verified
from pipeline.errors import ConfigError

KEY = b"k" * 32
AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _observe() -> Command:
    obs = Observation(event_id="weibo:1", platform="weibo", kind="comment", thread_id="weibo:0", url="https://x",
                      author_id="88", author_name="小王\x1b[2J", text="退货 [/x]", created_at=AT,
                      sentiment_score=-0.8125)
    return Command(op=Op.observe, command_id="obs:weibo:1", at=AT, observation=obs)


def _claim() -> Command:
    return Command(op=Op.claim, command_id="c1", at=AT, actor="alice", role="agent",
                   case_id="0123456789abcdef-1", note="好的")


@pytest.mark.parametrize("make", [_observe, _claim])
def test_a_signed_command_verifies_after_the_round_trip_through_json(make) -> None:  # type: ignore[no-untyped-def]
    value = orjson.loads(orjson.dumps(signed(make(), KEY)))
    assert verified(value, KEY)
    assert Command.model_validate(value) == make()  # the signature is ignored by the model


@pytest.mark.parametrize(("field", "forged"), [
    ("role", "supervisor"), ("actor", "boss"), ("op", "escalate"), ("case_id", "0123456789abcdef-2"),
    ("command_id", "c2"), ("at", "2026-01-02T03:04:06Z"), ("note", "x"), ("force", True), ("assignee", "mallory"),
])
def test_changing_any_field_breaks_the_signature(field: str, forged: object) -> None:
    value = signed(_claim(), KEY)
    assert not verified(value | {field: forged}, KEY)
    obs = signed(_observe(), KEY)
    obs["observation"] = obs["observation"] | {"author_id": "89"}
    assert not verified(obs, KEY)


def test_missing_wrong_or_odd_signatures_are_rejected() -> None:
    value = signed(_claim(), KEY)
    assert not verified(value, b"another key")
    assert not verified({k: v for k, v in value.items() if k != SIGNATURE_FIELD}, KEY)
    assert not verified(value | {SIGNATURE_FIELD: 12}, KEY)
    assert not verified(value | {SIGNATURE_FIELD: "é" * 64}, KEY)
    assert not verified(value | {"extra": "field"}, KEY)
    for junk in (None, b"bytes", "text", [value], 7):
        assert not verified(junk, KEY)


def test_without_the_setting_processes_sharing_a_data_dir_share_its_secret_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SOCIALLISTEN_DESK_SECRET", raising=False)
    unset, blank = DeskSettings(), DeskSettings(desk_secret="  ")  # type: ignore[arg-type]
    assert unset.desk_secret is None and blank.desk_secret is None
    assert desk_secret(unset) == desk_secret(blank) and len(desk_secret(unset)) == 32  # no data dir: per process
    first = desk_secret(unset, tmp_path / "data")
    path = tmp_path / "data" / SECRET_FILE
    assert len(first) == 64 and path.stat().st_mode & 0o777 == 0o600
    assert desk_secret(blank, tmp_path / "data") == first  # a restart, or a second worker on the host
    assert desk_secret(unset, tmp_path / "other") != first
    path.write_text("short")
    with pytest.raises(ConfigError, match="does not hold a desk secret"):
        desk_secret(unset, tmp_path / "data")
    with pytest.raises(ConfigError, match="SOCIALLISTEN_DESK_SECRET is not set"):
        require_secret(unset, "the web tier")
    monkeypatch.setenv("SOCIALLISTEN_DESK_SECRET", "shared-secret-value")
    cfg = DeskSettings()
    assert desk_secret(cfg) == require_secret(cfg, "x") == b"shared-secret-value"
    assert "shared-secret-value" not in repr(cfg) and "shared-secret-value" not in str(cfg.model_dump())


def test_serve_refuses_to_start_without_the_shared_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SOCIALLISTEN_DESK_SECRET", "SOCIALLISTEN_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOCIALLISTEN_KAFKA_URL", "127.0.0.1:1")
    result = CliRunner().invoke(app, ["serve"])
    assert isinstance(result.exception, ConfigError) and "SOCIALLISTEN_DESK_SECRET" in str(result.exception)


def test_a_rejected_command_is_re_driven_signed_with_the_configured_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pipeline.cli.deadletter import resigned_command
    from pipeline.config import load_settings

    raw = orjson.dumps({"key": "forged-key", "value": signed(_claim(), b"the old secret")})
    monkeypatch.setenv("SOCIALLISTEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SOCIALLISTEN_DESK_SECRET", "the new secret")
    value, key = resigned_command(raw, load_settings())
    assert key == b"0123456789abcdef" and verified(orjson.loads(value), b"the new secret")
    assert Command.model_validate(orjson.loads(value)) == _claim()
    monkeypatch.delenv("SOCIALLISTEN_DESK_SECRET")
    with pytest.raises(ConfigError, match="SOCIALLISTEN_DESK_SECRET"):
        resigned_command(raw, load_settings())
    file_secret = desk_secret(DeskSettings(), tmp_path)  # a single host without the setting: the workers' file
    value, _ = resigned_command(raw, load_settings())
    assert verified(orjson.loads(value), file_secret)
