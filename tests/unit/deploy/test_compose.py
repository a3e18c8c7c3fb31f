"""docker-compose.yml is valid and describes a stack that serves ops, the desk and analysts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
PASSWORDS = {
    "CLICKHOUSE_PASSWORD": "pw-writer", "CLICKHOUSE_BI_PASSWORD": "pw-bi", "GRAFANA_ADMIN_PASSWORD": "pw-admin",
    "SOCIALLISTEN_DESK_SECRET": "desk-secret",
}


def _spec() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # `docker compose` (plugin) where present, else the standalone `docker-compose` client.
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        cmd = ["docker", "compose", *args]
    elif shutil.which("docker-compose"):
        cmd = ["docker-compose", *args]
    else:
        raise AssertionError("no docker compose client; `make test` installs Debian's docker-compose")
    clean = {k: v for k, v in os.environ.items() if k not in PASSWORDS}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**clean, **env})


def test_compose_file_has_the_stack_with_health_checks_and_volumes() -> None:
    spec = _spec()
    services = spec["services"]
    assert {"kafka", "clickhouse", "migrate", "worker", "web", "loader", "prometheus", "grafana"} <= set(services)
    for name in ("kafka", "clickhouse", "worker", "web", "grafana"):
        assert "healthcheck" in services[name], name
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft
    assert (ROOT / services["migrate"]["build"]["dockerfile"]).exists()
    assert {"kafka-data", "clickhouse-data", "prometheus-data", "grafana-data"} <= set(spec["volumes"])


def test_docker_compose_config_accepts_the_file_and_demands_every_password() -> None:
    result = _compose("config", "-q", env=PASSWORDS)
    assert result.returncode == 0, result.stderr
    for missing in PASSWORDS:
        result = _compose("config", "-q", env={k: v for k, v in PASSWORDS.items() if k != missing})
        assert result.returncode != 0 and missing in result.stderr, (missing, result.stderr)


def test_no_default_password_is_left_in_the_file() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for name, default in re.findall(r"\$\{(\w*PASSWORD\w*):?-([^}]*)\}", text):
        raise AssertionError(f"{name} has a default ({default!r}); a password must come from the environment")
    assert "admin/admin" not in text
    assert re.findall(r"\$\{(\w*PASSWORD\w*):\?", text), "the passwords are required variables"


def test_web_serves_on_a_published_port_with_the_users_file_as_a_secret() -> None:
    spec = _spec()
    web = spec["services"]["web"]
    assert web["command"] == ["serve"]
    assert web["ports"] and str(web["ports"][0]).endswith(":8080")
    assert web["environment"]["SOCIALLISTEN_WEB_PORT"] == "8080"
    assert web["environment"]["SOCIALLISTEN_WEB_HOST"] == "0.0.0.0"
    assert web["secrets"] == ["sociallisten_users"]
    assert web["environment"]["SOCIALLISTEN_USERS_FILE"] == "/run/secrets/sociallisten_users"
    assert spec["secrets"]["sociallisten_users"]["file"].startswith("./deploy/secrets/")


def test_worker_health_is_its_healthz_and_prometheus_scrapes_workers_and_web() -> None:
    services = _spec()["services"]
    worker = services["worker"]
    port = worker["environment"]["SOCIALLISTEN_OPS_PORT"]
    assert f"127.0.0.1:{port}/healthz" in " ".join(worker["healthcheck"]["test"])
    assert "os.kill" not in " ".join(worker["healthcheck"]["test"])
    prom = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    targets = {(c["names"][0], c["port"]) for job in prom["scrape_configs"] for c in job["dns_sd_configs"]}
    assert targets == {("worker", int(port)), ("web", 8080)}


def test_grafana_reads_clickhouse_with_the_read_only_account() -> None:
    spec = _spec()
    grafana = spec["services"]["grafana"]
    provisioning = ROOT / "deploy" / "grafana" / "provisioning" / "datasources" / "clickhouse.yaml"
    sources = {s["uid"]: s for s in yaml.safe_load(provisioning.read_text(encoding="utf-8"))["datasources"]}
    clickhouse = sources["sociallisten-clickhouse"]
    assert clickhouse["jsonData"]["username"] == "bi"
    assert clickhouse["secureJsonData"]["password"] == "$CLICKHOUSE_BI_PASSWORD"
    assert "CLICKHOUSE_BI_PASSWORD" in grafana["environment"]
    assert "CLICKHOUSE_PASSWORD" not in grafana["environment"]  # Grafana never holds the writer's password
    assert sources["sociallisten-prometheus"]["url"] == "http://prometheus:9090"
    bi = (ROOT / "deploy" / "clickhouse" / "users.d" / "bi.xml").read_text(encoding="utf-8")
    assert '<password from_env="CLICKHOUSE_BI_PASSWORD"/>' in bi and "<readonly>2</readonly>" in bi
    mounts = spec["services"]["clickhouse"]["volumes"]
    assert any(m.startswith("./deploy/clickhouse/users.d/bi.xml:") for m in mounts)


def test_loader_replays_sample_events_ending_now() -> None:
    loader = _spec()["services"]["loader"]
    assert loader["profiles"] == ["tools"]  # `docker compose up` leaves it alone
    script = loader["command"][0]
    assert "sociallisten sample" in script and "--end now" in script and "sociallisten replay -" in script
