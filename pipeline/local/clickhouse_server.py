"""A throw-away local clickhouse-server: its own directory, config and free ports on 127.0.0.1.

The tests start one per session (and a second one in another time zone); ``sociallisten bench
--clickhouse local`` starts one for the run. It uses the machine's clickhouse-server binary
(Debian's package, 18.16 here), dies with the process that started it, and ``stop()``/``start()``
restart it on the same data directory (the outage tests rely on that).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from clickhouse_driver import Client

from pipeline.errors import ConfigError
from pipeline.local.child_guard import die_with_parent
from pipeline.local.ports import free_port

log = logging.getLogger(__name__)

SERVER_CANDIDATES = ("/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server")
COMBINED_CANDIDATES = ("/usr/bin/clickhouse",)  # one binary, 'clickhouse server'

CONFIG = """<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>{dir}/log/server.log</log>
    <errorlog>{dir}/log/err.log</errorlog>
    <size>10M</size>
    <count>1</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>{tcp}</tcp_port>
  <http_port>{http}</http_port>
  <path>{dir}/data/</path>
  <tmp_path>{dir}/tmp/</tmp_path>
  <user_files_path>{dir}/user_files/</user_files_path>
  <format_schema_path>{dir}/format_schemas/</format_schema_path>
  <users_config>{dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>{timezone}</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <builtin_dictionaries_reload_interval>0</builtin_dictionaries_reload_interval>
{extra}</yandex>
"""
# Alone: no interserver_http_port, no zookeeper, no remote_servers, so nothing else binds a port.
# A cluster member gets them through ``extra_config`` (pipeline/local/clickhouse_cluster.py).

USERS = """<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
"""


def find_server() -> list[str] | None:
    """How to run clickhouse-server on this machine, or None when it is not installed."""
    for path in SERVER_CANDIDATES:
        if Path(path).exists():
            return [path]
    found = shutil.which("clickhouse-server")
    if found:
        return [found]
    for path in COMBINED_CANDIDATES:
        if Path(path).exists():
            return [path, "server"]
    return None


def server_command() -> list[str]:
    """How to run clickhouse-server here; raises ConfigError naming the fix when it is not installed."""
    command = find_server()
    if command is None:
        raise ConfigError(
            "clickhouse-server is not installed: run `make test-deps` (as root it apt-installs Debian's "
            "clickhouse-server), or `sudo apt-get install clickhouse-server`"
        )
    return command


class ClickHouseServer:
    """A clickhouse-server process with its own directory and ports on 127.0.0.1."""

    def __init__(
        self, root: Path, timezone: str = "UTC", users_d: Sequence[Path] = (), env: Mapping[str, str] | None = None,
        cluster_member: bool = False,
    ) -> None:
        """Write the config into ``root``; ``users_d`` files go to its ``users.d`` (more accounts).

        ``env`` is added to the server's environment (for ``from_env`` values in those files). A
        ``cluster_member`` also gets a port for replication (:attr:`interserver_port`); its
        cluster settings come from :meth:`configure`.
        """
        self.root = root
        self.env = dict(env or {})
        self.host = "127.0.0.1"
        self.port = free_port()
        self.http_port = free_port()
        for sub in ("data", "tmp", "log", "user_files", "format_schemas"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        self.timezone = timezone
        self.interserver_port = free_port() if cluster_member else 0
        self.configure("")
        (root / "users.xml").write_text(USERS)
        if users_d:
            (root / "users.d").mkdir(exist_ok=True)
            for extra in users_d:
                (root / "users.d" / extra.name).write_text(extra.read_text(encoding="utf-8"), encoding="utf-8")
        self.proc: subprocess.Popen[bytes] | None = None

    def configure(self, extra: str) -> None:
        """(Re)write ``config.xml`` with ``extra`` XML elements (e.g. a cluster member's); before :meth:`start`."""
        (self.root / "config.xml").write_text(CONFIG.format(
            dir=self.root, tcp=self.port, http=self.http_port, timezone=self.timezone, extra=extra))

    @classmethod
    def launch(cls, make_root: Callable[[], Path], attempts: int = 3, timezone: str = "UTC") -> ClickHouseServer:
        """A started server in a fresh directory from ``make_root()``.

        Retried because another process may take a free port before the server binds it.
        Raises RuntimeError after ``attempts``.
        """
        error: Exception | None = None
        for _ in range(attempts):
            server = cls(make_root(), timezone=timezone)
            try:
                server.start()
                return server
            except RuntimeError as exc:
                error = exc
                server.kill()
        raise RuntimeError(f"clickhouse-server did not start in {attempts} attempts: {error}")

    def url(self, database: str) -> str:
        """Native-protocol URL of ``database`` on this server (created on connect)."""
        return f"clickhouse://default@{self.host}:{self.port}/{database}"

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 60.0) -> None:
        """Start (or restart, on the same data directory) the server and wait until it answers.

        Call it from the main thread: the server is killed when the thread that started it ends.
        """
        if self.running:
            return
        with open(self.root / "log" / "stdout.log", "ab") as out:
            self.proc = subprocess.Popen(
                [*server_command(), f"--config-file={self.root / 'config.xml'}"],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.root,
                env={**os.environ, **self.env} if self.env else None,
                preexec_fn=die_with_parent(os.getpid()),
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"clickhouse-server exited with {self.proc.returncode}: {self._log_tail()}")
            if self._answers():
                log.info("clickhouse-server on %s:%d is up (pid %d)", self.host, self.port, self.proc.pid)
                return
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"clickhouse-server did not answer on port {self.port} within {timeout:.0f} s")

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the server gracefully (SIGTERM, then SIGKILL); the data directory stays."""
        if not self.running:
            return
        assert self.proc is not None
        self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """Kill the server at once (SIGKILL)."""
        if self.running:
            assert self.proc is not None
            self.proc.kill()
            self.proc.wait(timeout=10)

    def _answers(self) -> bool:
        try:  # a plain connect first: the driver logs a traceback for every refused attempt
            socket.create_connection((self.host, self.port), timeout=1).close()
        except OSError:
            return False
        client = Client(self.host, port=self.port, connect_timeout=1, send_receive_timeout=5)
        try:
            client.execute("SELECT 1")
            return True
        except Exception:
            return False
        finally:
            client.disconnect()

    def _log_tail(self) -> str:
        parts = []
        for name in ("err.log", "stdout.log"):
            path = self.root / "log" / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-1500:])
        return "\n".join(parts)
