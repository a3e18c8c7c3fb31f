"""Secrets never printed: ClickHouse passwords in ConfigError texts, webhook URLs in failure logs."""

from __future__ import annotations

import asyncio
import logging
import socket
from datetime import UTC, datetime

import pytest

from pipeline.config.settings import load_settings
from pipeline.errors import ConfigError
from pipeline.monitor.models import Alert
from pipeline.monitor.webhook import Webhook, origin
from pipeline.storage.url import parse_url, redact

PASSWORD = "Sup3r/s3cr?t#pw@x"
HOOK_SECRET = "T0KEN-abcdef-9876"


@pytest.mark.parametrize("url", [
    f"clickhouse://writer:{PASSWORD}@db.example:9000/social",
    "clickhouse://writer:Sup3rs3cr3tpw@db.example:notaport/social",
    "clickhouse://writer:Sup3rs3cr3tpw@db.example:9000/social?secure=maybe",
    "clickhouse://writer:Sup3rs3cr3tpw@db.example:9000/social?bogus=1",
    "clickhouse://writer:Sup3rs3cr3tpw@db.example:9000/bad-name!",
    "mysql://writer:Sup3rs3cr3tpw@db.example/social",
])
def test_config_errors_about_the_clickhouse_url_never_show_its_password(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_url(url)
    text = str(caught.value)
    assert "Sup3r" not in text and "s3cr" not in text and "pw" not in text, text


def test_redact_hides_passwords_with_url_special_characters_and_secret_parameters() -> None:
    assert redact(f"clickhouse://writer:{PASSWORD}@db:9000/x") == "clickhouse://writer:***@db:9000/x"
    assert redact("https://h.example/x?token=abc&password=p&a=1") == "https://h.example/x?token=***&password=***&a=1"
    assert redact("clickhouse://writer@db:9000/x") == "clickhouse://writer@db:9000/x"


def test_settings_errors_do_not_repeat_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALLISTEN_DESK_ASK_TIMEOUT", "Sup3rs3cr3t")
    monkeypatch.setenv("SOCIALLISTEN_DESK_SECRET", "also-Sup3rs3cr3t")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "SOCIALLISTEN_DESK_ASK_TIMEOUT" in str(caught.value) and "Sup3r" not in str(caught.value)


def test_webhook_failures_name_only_the_origin_and_give_up_at_the_deadline(caplog: pytest.LogCaptureFixture) -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    alert = Alert(alert_id="a-1", brand="蒙牛", signal="negative", window_start=now, window_end=now, fired_at=now,
                  count=40, baseline_mean=5.0, baseline_std=2.0, baseline_windows=20, threshold=11.0, score=17.5,
                  severity="high")
    caplog.set_level(logging.DEBUG)
    unreachable = Webhook(f"http://hook:{HOOK_SECRET}@127.0.0.1:9/services/{HOOK_SECRET}?key={HOOK_SECRET}",
                          attempts=2, first_seconds=0.01, timeout=1.0)
    assert asyncio.run(unreachable.post(alert)) is False
    invalid = Webhook(f"http://exa mple.com/{HOOK_SECRET}", attempts=1, first_seconds=0.01)
    assert asyncio.run(invalid.post(alert)) is False
    # a black hole: the port takes connections (backlog) and never answers; the deadline ends the attempts
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(16)
        slow = Webhook(f"http://127.0.0.1:{hole.getsockname()[1]}/{HOOK_SECRET}", attempts=50, timeout=30.0,
                       first_seconds=0.01, deadline=0.5)
        took = asyncio.run(_timed(slow, alert))
    assert took < 3.0 and slow.failed == 1
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("pipeline"))
    assert ours and HOOK_SECRET not in ours, ours
    assert "http://127.0.0.1:9" in ours and "no answer within 0.5 s" in ours
    assert origin(f"https://u:{HOOK_SECRET}@hooks.example:8443/x/{HOOK_SECRET}") == "https://hooks.example:8443"


async def _timed(hook: Webhook, alert: Alert) -> float:
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert await hook.post(alert) is False
    return loop.time() - start
