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
