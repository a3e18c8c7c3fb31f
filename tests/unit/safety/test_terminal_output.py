"""Terminal-safe output: dead letters, tail lines and console logs cannot drive the terminal or break Rich."""

from __future__ import annotations

import base64
import io
import logging
import sys

import pytest
from rich.console import Console
from typer.testing import CliRunner

import pipeline.cli.deadletter as deadletter_cli
import pipeline.cli.render as render
from pipeline.cli import app
from pipeline.cli.tail import format_mention
from pipeline.logs import ConsoleFormatter
from pipeline.safe_text import safe_cell, terminal_safe

OSC8 = "\x1b]8;;https://evil.example/x\x07click me\x1b]8;;\x07"
HOSTILE = f"{OSC8} \x1b[2J\x1b[31mred\x07 [/x] [bold]b[/bold] \x9b6n \u202etxt.exe\u2028line\r\n"
FORBIDDEN = ("\x1b", "\x07", "\x9b", "\u202e", "\u2028", "\r", "\x00")


def test_terminal_safe_escapes_every_control_character_and_keeps_the_text() -> None:
    out = terminal_safe(HOSTILE + "\x00\x7f\u200f\u2066小王")
    assert not any(c in out for c in FORBIDDEN)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in out)
    assert "\\x1b]8;;https://evil.example/x\\x07" in out and "\\n" in out and "\\u202e" in out
    assert out.endswith("\\x00\\x7f\\u200f\\u2066小王")
    assert terminal_safe("ok [b] 中文") == "ok [b] 中文"
    assert terminal_safe("a\nb\x1b", keep_newlines=True) == "a\nb\\x1b"


def test_safe_cell_is_never_read_as_markup() -> None:
    buf = io.StringIO()
    Console(file=buf, color_system=None, width=200).print(safe_cell("[/x] [bold]b[/bold] [link=https://e.x]y[/link]"))
    assert buf.getvalue().strip() == "[/x] [bold]b[/bold] [link=https://e.x]y[/link]"


@pytest.mark.parametrize("force_terminal", [False, True])
def test_deadletter_list_prints_hostile_bytes_safely(monkeypatch: pytest.MonkeyPatch, force_terminal: bool) -> None:
    raw = HOSTILE.encode() + b"\xff\xfe"
    row = {"dl_id": "ab" * 16, "received_at": "2026-01-01 00:00:00", "stage": "decode", "reason": "invalid_json",
           "error": f"bad JSON near {HOSTILE!s}", "raw_b64": base64.b64encode(raw).decode(),
           "raw_preview": raw.decode("utf-8", "replace")}
    monkeypatch.setattr(deadletter_cli, "_query", lambda *args: [row])
    buf = io.StringIO()
    # a colour terminal writes its own styling escapes; without colour every ESC would be the data's
    monkeypatch.setattr(render, "console", Console(file=buf, width=400, force_terminal=force_terminal,
                                                   color_system="standard" if force_terminal else None))
    result = CliRunner().invoke(app, ["deadletter", "list"])
    assert result.exit_code == 0, result.output
    out = buf.getvalue()
    assert "[/x]" in out and "evil.example" in out  # shown, escaped, not interpreted
    assert "\x07" not in out and "\x9b" not in out and "\u202e" not in out and "]8;;" not in out.replace(
        "\\x1b]8;;", "")
    if not force_terminal:
        assert "\x1b" not in out


def test_tail_line_shows_hostile_names_on_one_line() -> None:
    line = format_mention({"created_at": "2026-01-01T12:34:56Z", "platform": "weibo\x1b[2J",
                           "author_name": "小王\n12:00:00 weibo  admin: fake line\x1b]0;title\x07",
                           "brands": ["蒙牛\x1b[31m"], "signals": ["buyer\u202e"], "sentiment": "negative",
                           "text": "送餐\x1b[1A慢\u2028死了"})
    assert "\n" not in line and not any(c in line for c in FORBIDDEN)
    assert "小王\\n12:00:00 weibo  admin: fake line\\x1b]0;title\\x07" in line
    by_id = format_mention({"author_id": "88\x1b[8m", "text": "x"})
    assert "88\\x1b[8m" in by_id


def test_console_log_lines_escape_untrusted_arguments() -> None:
    fmt = ConsoleFormatter("%(levelname)s %(name)s: %(message)s")
    record = logging.LogRecord("desk", logging.INFO, __file__, 1, "case %s by %s", ("c-1", "bob\nINFO forged\x1b[2J"),
                               None)
    assert fmt.format(record) == "INFO desk: case c-1 by bob\\nINFO forged\\x1b[2J"
    try:
        raise ValueError("bad \x1b[31m input")
    except ValueError:
        record = logging.LogRecord("w", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    text = fmt.format(record)
    assert "\x1b" not in text and "bad \\x1b[31m input" in text and "\nTraceback" in text
