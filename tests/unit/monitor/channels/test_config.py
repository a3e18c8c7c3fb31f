"""The channels file: clear errors naming file, channel and field; secrets from the environment; permissions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.monitor.channels.config import ChannelsFile, DingTalkChannel, load_channels

EXAMPLE = Path(__file__).resolve().parents[4] / "deploy" / "alert-channels.example.yaml"


def test_errors_name_the_file_the_channel_and_the_field(channels_file: Callable[[str], ChannelsFile]) -> None:
    with pytest.raises(ConfigError) as err:
        channels_file("channels:\n  ops:\n    type: dingtalk\n    url: ftp://x\nroutes:\n  - channels: [ops]\n")
    assert "alert-channels.yaml" in str(err.value) and "channel ops, field url" in str(err.value)
    with pytest.raises(ConfigError, match="channel mail, field to"):
        channels_file("channels:\n  mail:\n    type: email\n    host: h\n    from: a@b.c\nroutes:\n"
                      "  - channels: [mail]\n")
    with pytest.raises(ConfigError, match="route 1, field channels: no channel named nope"):
        channels_file("channels:\n  h:\n    type: webhook\n    url: http://x\nroutes:\n  - channels: [nope]\n")
    with pytest.raises(ConfigError, match="route 1, field min_severity"):
        channels_file("channels:\n  h:\n    type: webhook\n    url: http://x\nroutes:\n"
                      "  - channels: [h]\n    min_severity: urgent\n")


def test_secrets_come_from_the_environment(
    channels_file: Callable[[str], ChannelsFile], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_DING_TOKEN", "tok123")
    monkeypatch.setenv("T_DING_SECRET", "SECxyz")
    config = channels_file("channels:\n  d:\n    type: dingtalk\n"
                           "    url: https://oapi.dingtalk.com/robot/send?access_token=${T_DING_TOKEN}\n"
                           "    secret: ${T_DING_SECRET}\nroutes:\n  - channels: [d]\n")
    spec = config.channels["d"]
    assert isinstance(spec, DingTalkChannel)
    assert spec.url.get_secret_value().endswith("=tok123") and "tok123" not in repr(config)
    with pytest.raises(ConfigError, match="channels.d.secret: environment variable T_UNSET is not set"):
        channels_file("channels:\n  d:\n    type: dingtalk\n    url: https://x/?access_token=${T_DING_TOKEN}\n"
                      "    secret: ${T_UNSET}\nroutes:\n  - channels: [d]\n")


def test_a_file_holding_secrets_must_be_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text("channels:\n  w:\n    type: wecom\n    url: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k\n"
                    "routes:\n  - channels: [w]\n")
    path.chmod(0o644)
    with pytest.raises(ConfigError, match=r"holds secrets \(w.url\) but is open to group or others"):
        load_channels(path)
    monkeypatch.setenv("T_WECOM_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    path.write_text("channels:\n  w:\n    type: wecom\n    url: ${T_WECOM_URL}\nroutes:\n  - channels: [w]\n")
    assert load_channels(path).channels["w"].type == "wecom"  # only references: 0644 is fine


def test_routes_by_severity_brand_and_signal(channels_file: Callable[[str], ChannelsFile]) -> None:
    config = channels_file(
        "channels:\n  a:\n    type: webhook\n    url: http://a\n  b:\n    type: webhook\n    url: http://b\n"
        "routes:\n  - channels: [a]\n  - channels: [b, a]\n    min_severity: high\n    brands: [蒙牛]\n"
        "    signals: [negative]\n")
    assert config.targets("蒙牛", "negative", "high") == ["a", "b"]
    assert config.targets("蒙牛", "negative", "medium") == ["a"]
    assert config.targets("伊利", "negative", "high") == ["a"]
    assert config.targets("蒙牛", "mention", "high") == ["a"]


def test_the_example_file_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DINGTALK_TOKEN", "DINGTALK_SECRET", "WECOM_KEY", "FEISHU_HOOK", "FEISHU_SECRET", "SMTP_PASSWORD",
                 "ALERT_WEBHOOK_URL"):
        monkeypatch.setenv(name, "https://example.invalid/x" if name == "ALERT_WEBHOOK_URL" else "x")
    config = load_channels(EXAMPLE)
    assert {s.type for s in config.channels.values()} == {"dingtalk", "wecom", "feishu", "email", "webhook"}
