"""Logging set-up: one JSON object per line (``SOCIALLISTEN_LOG_FORMAT=json``) or readable lines.

Logs always go to stderr, so command output on stdout (JSON summaries, classify
results, sample events) stays clean for pipes.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import orjson

from pipeline.safe_text import terminal_safe

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {"message", "asctime"}
_NOISY = ("kafka", "aiokafka", "faust", "mode", "clickhouse_driver", "jieba", "uvicorn.access", "httpx")


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; ``extra=`` fields become keys."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as one line of JSON: timestamp, level, logger, message, extras, traceback."""
        data: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(data, default=str).decode()


class ConsoleFormatter(logging.Formatter):
    """Readable lines whose message cannot hold control characters (names and texts come from authors)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        """The line for ``record`` with its message (format and arguments) made terminal-safe."""
        record.message = terminal_safe(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        """The traceback, with control characters other than newlines escaped (exception texts may quote input)."""
        return terminal_safe(super().formatException(ei), keep_newlines=True)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes to the current ``sys.stderr``, looked up at every record.

    A handler bound to the stream of the moment keeps writing to it after it is replaced and
    closed (a command run in-process under a test runner's capture, a redirected stderr); then
    every later record fails with "I/O operation on closed file".
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        """The process's stderr now."""
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        """Ignored: the stream is always the current stderr."""


def configure_logging(level: str = "INFO", fmt: str = "console", *, libraries: str = "WARNING") -> None:
    """Configure the root logger once for a command.

    Third-party chatter is kept at ``libraries`` (never below the root level).
    """
    handler = StderrHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(ConsoleFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in _NOISY:
        logging.getLogger(name).setLevel(max(logging.getLevelName(libraries.upper()), root.level))
