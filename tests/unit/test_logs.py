"""The command's log handler follows ``sys.stderr``: a replaced and closed stream never breaks logging."""

from __future__ import annotations

import io
import logging

import pytest

from pipeline.logs import configure_logging


def test_log_records_go_to_the_current_stderr_after_the_old_one_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        first = io.StringIO()
        monkeypatch.setattr("sys.stderr", first)
        configure_logging("INFO")  # as a command run in-process under a capturing runner does
        logging.getLogger("pipeline.test").info("first line")
        first_text = first.getvalue()
        first.close()  # the runner ends and closes its stream
        second = io.StringIO()
        monkeypatch.setattr("sys.stderr", second)
        logging.getLogger("pipeline.test").warning("second line")
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    assert "first line" in first_text
    assert second.getvalue().endswith("pipeline.test: second line\n")
    assert "Logging error" not in second.getvalue() and "first line" not in second.getvalue()


def _capture(monkeypatch: pytest.MonkeyPatch, repeat_seconds: float) -> io.StringIO:
    out = io.StringIO()
    monkeypatch.setattr("sys.stderr", out)
    configure_logging("INFO", repeat_seconds=repeat_seconds)
    return out


def test_a_repeating_library_error_is_logged_once_per_window_with_the_count_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    clock = [1000.0]
    monkeypatch.setattr("pipeline.logs.time.monotonic", lambda: clock[0])
    try:
        out = _capture(monkeypatch, 10.0)
        kafka = logging.getLogger("aiokafka")
        for i in range(60):  # a second of a broker outage
            kafka.error("Unable connect to node with id %s: %s", 111, f"refused #{i}")
            logging.getLogger("pipeline.worker").warning("retrying in %.1f s", 0.5)  # the project's own: all kept
        logging.getLogger("aiokafka.consumer.fetcher").error("Failed fetch messages from %s", 111)  # another one
        clock[0] += 11
        kafka.error("Unable connect to node with id %s: %s", 111, "refused #60")
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    lines = out.getvalue().splitlines()
    unable = [ln for ln in lines if "Unable connect" in ln]
    assert len(unable) == 2
    assert unable[0].endswith("refused #0")
    assert unable[1].endswith("refused #60 [59 more like this in the last 11 s were not logged]")
    assert sum("Failed fetch messages" in ln for ln in lines) == 1
    assert sum("retrying in 0.5 s" in ln for ln in lines) == 60


def test_repeat_limit_off_logs_every_line(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        out = _capture(monkeypatch, 0.0)
        for _ in range(5):
            logging.getLogger("aiokafka").error("Unable to update metadata from %s", 111)
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    assert out.getvalue().count("Unable to update metadata from 111") == 5
