"""E-mail through a local SMTP server on a real socket: one message, authenticated; a 4xx reply is retried."""

from __future__ import annotations

import asyncio
import email
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from pipeline.metrics import Metrics
from pipeline.monitor.channels.config import ChannelsFile
from pipeline.monitor.channels.ledger import MemoryLedger
from pipeline.monitor.channels.router import AlertRouter
from pipeline.monitor.models import Alert
from tests.unit.monitor.channels.conftest import delivered
from tests.unit.monitor.channels.servers import SmtpServer, self_signed


@pytest.fixture
def smtp() -> Iterator[Callable[..., SmtpServer]]:
    made: list[SmtpServer] = []

    def start(replies: list[str] | None = None, **tls: Any) -> SmtpServer:
        made.append(SmtpServer("alerts", "pw-123", replies, **tls))
        return made[-1]

    yield start
    for server in made:
        server.close()


def mail_config(channels_file: Callable[[str], ChannelsFile], port: int, security: str = "none",
                extra: str = "") -> ChannelsFile:
    return channels_file(f"channels:\n  mail:\n    type: email\n    host: 127.0.0.1\n    port: {port}\n"
                         f"    security: {security}\n{extra}    username: alerts\n    password: pw-123\n"
                         "    from: alerts@example.com\n    to: [a@example.com, b@example.com]\n"
                         "routes:\n  - channels: [mail]\n")


def test_one_email_per_alert(alert: Alert, channels_file: Callable[[str], ChannelsFile],
                             smtp: Callable[..., SmtpServer]) -> None:
    server = smtp()
    metrics = Metrics()
    router = AlertRouter(mail_config(channels_file, server.port), MemoryLedger(), metrics, first_seconds=0.01)
    asyncio.run(router.deliver([alert]))
    asyncio.run(router.deliver([alert]))
    assert server.auth_ok == [True] and len(server.messages) == 1
    sender, rcpts, data = server.messages[0]
    assert sender == "alerts@example.com" and rcpts == ["a@example.com", "b@example.com"]
    msg: Message = email.message_from_bytes(data)
    assert str(email.header.make_header(email.header.decode_header(msg["Subject"]))) == \
        "Spike alert (high): 蒙牛 · negative"
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    body = msg.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    assert "牛奶有异味" in body and alert.alert_id in body
    assert delivered(metrics, "mail", "sent") == 1


def test_a_temporary_smtp_refusal_is_retried(alert: Alert, channels_file: Callable[[str], ChannelsFile],
                                             smtp: Callable[..., SmtpServer]) -> None:
    server = smtp(["451 try again later"])
    metrics = Metrics()
    router = AlertRouter(mail_config(channels_file, server.port), MemoryLedger(), metrics, first_seconds=0.01)
    asyncio.run(router.deliver([alert]))
    assert len(server.messages) == 1 and delivered(metrics, "mail", "sent") == 1


def test_a_permanent_smtp_refusal_is_failed(alert: Alert, channels_file: Callable[[str], ChannelsFile],
                                            smtp: Callable[..., SmtpServer]) -> None:
    server = smtp(["554 rejected"] * 3)
    metrics = Metrics()
    router = AlertRouter(mail_config(channels_file, server.port), MemoryLedger(), metrics, first_seconds=0.01)
    asyncio.run(router.deliver([alert]))
    assert server.messages == [] and delivered(metrics, "mail", "failed") == 1


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_a_verified_certificate(alert: Alert, channels_file: Callable[[str], ChannelsFile],
                                         smtp: Callable[..., SmtpServer], tmp_path: Path, security: str) -> None:
    cert, context = self_signed(tmp_path)
    server = smtp(tls=context, implicit_tls=security == "ssl")
    metrics = Metrics()
    config = mail_config(channels_file, server.port, security, f"    cafile: {cert}\n")
    asyncio.run(AlertRouter(config, MemoryLedger(), metrics, first_seconds=0.01).deliver([alert]))
    assert server.tls_used == [True] and server.auth_ok == [True] and len(server.messages) == 1
    assert delivered(metrics, "mail", "sent") == 1


def test_an_untrusted_certificate_is_refused_for_good(alert: Alert, channels_file: Callable[[str], ChannelsFile],
                                                      smtp: Callable[..., SmtpServer], tmp_path: Path) -> None:
    _, context = self_signed(tmp_path)
    server = smtp(tls=context)
    metrics = Metrics()
    config = mail_config(channels_file, server.port, "starttls")  # the system's CAs: the test certificate is unknown
    asyncio.run(AlertRouter(config, MemoryLedger(), metrics, first_seconds=0.01).deliver([alert]))
    assert server.auth_ok == [] and server.messages == [] and delivered(metrics, "mail", "failed") == 1
