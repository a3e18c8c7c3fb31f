"""Logging set-up: one JSON object per line (``SOCIALLISTEN_LOG_FORMAT=json``) or readable lines.

Logs always go to stderr, so command output on stdout (JSON summaries, classify
results, sample events) stays clean for pipes.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any

import orjson

from pipeline.safe_text import terminal_safe

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()) | {"message", "asctime"}
_NOISY: tuple[str, ...] = (
    "kafka", "aiokafka", "faust", "mode", "clickhouse_driver", "jieba", "uvicorn.access", "httpx"
)


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


class RepeatLimit(logging.Filter):
    """Lets a library's repeating message through once per ``seconds``; the next one says how many were left out.

    A library message is one from the loggers of :data:`_NOISY` (Kafka, Faust, the ClickHouse
    driver): while a broker is down the Kafka client logs the same few errors dozens of times a
    second, which buries the project's own lines and fills disks. Messages are the same when
    their logger, level and format string are (not their arguments). The project's own loggers
    are never limited: they log a retry once per attempt, with its backoff.
    """

    MAX_KEYS = 1024
    """Distinct messages remembered; past this the memory starts afresh (bounded whatever libraries log)."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}
        """(logger, level, format) -> (when one was last let through, how many were left out since)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether ``record`` is logged; a repeat within the window is counted instead."""
        if not record.name.startswith(_NOISY):
            return True
        key = (record.name, record.levelno, str(record.msg))
        now = time.monotonic()
        with self._lock:
            last = self._seen.get(key)
            if last is not None and now - last[0] < self.seconds:
                self._seen[key] = (last[0], last[1] + 1)
                return False
            if len(self._seen) >= self.MAX_KEYS:
                self._seen.clear()
            self._seen[key] = (now, 0)
        if last is not None and last[1]:
            record.msg = f"{record.msg} [{last[1]} more like this in the last {now - last[0]:.0f} s were not logged]"
        return True


def configure_logging(
    level: str = "INFO", fmt: str = "console", *, libraries: str = "WARNING", repeat_seconds: float = 10.0
) -> None:
    """Configure the root logger once for a command.

    Third-party chatter is kept at ``libraries`` (never below the root level), and a repeating
    library message is logged once per ``repeat_seconds`` (:class:`RepeatLimit`; 0 = every one).
    """
    handler = StderrHandler()
    if repeat_seconds > 0:
        handler.addFilter(RepeatLimit(repeat_seconds))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(ConsoleFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in _NOISY:
        logging.getLogger(name).setLevel(max(logging.getLevelName(libraries.upper()), root.level))
