"""docker-compose.yml is valid and describes the production stack."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def test_compose_file_has_the_stack_with_health_checks_and_volumes() -> None:
    spec = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = spec["services"]
    assert {"kafka", "clickhouse", "worker", "migrate"} <= set(services)
    for name in ("kafka", "clickhouse", "worker"):
        assert "healthcheck" in services[name], name
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft
    assert (ROOT / services["migrate"]["build"]["dockerfile"]).exists()
    assert {"kafka-data", "clickhouse-data"} <= set(spec["volumes"])


def test_docker_compose_config_accepts_the_file() -> None:
    # `docker compose` (plugin) where present, else the standalone `docker-compose` client.
    if shutil.which("docker") and subprocess.run(
        ["docker", "compose", "version"], capture_output=True
    ).returncode == 0:
        cmd = ["docker", "compose", "config", "-q"]
    elif shutil.which("docker-compose"):
        cmd = ["docker-compose", "config", "-q"]
    else:
        raise AssertionError("no docker compose client; `make test` installs Debian's docker-compose")
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
