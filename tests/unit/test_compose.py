"""compose.yaml cannot be started here (no Docker engine), so check what can go wrong in it without one: every part
runs a real subcommand, every variable it sets is one the code reads, and Prometheus scrapes every metrics port."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ops.cli import _parser

ROOT = Path(__file__).parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_every_part_runs_a_real_subcommand_with_external_servers():
    subcommands = set(_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    services = compose()["services"]
    parts = {name: s for name, s in services.items() if s.get("image") == "reward-ledger:latest"}
    assert set(parts) == {"gateway", "handlers", "projectors", "relay"}
    for name, service in parts.items():
        assert service["command"][0] in subcommands, name
        env = service["environment"]
        assert {"MONGO_URL", "NATS_URL", "REDIS_URL"} <= set(env), name
    assert parts["handlers"]["deploy"]["replicas"] >= 2


def test_every_variable_compose_sets_is_read_by_the_code():
    code = "\n".join(p.read_text() for p in ROOT.glob("*/**/*.py") if ".venv" not in p.parts)
    read = set(re.findall(r'"([A-Z][A-Z0-9_]+)"', code))
    for name, service in compose()["services"].items():
        if service.get("image") != "reward-ledger:latest":
            continue
        unknown = set(service["environment"]) - read - {"PYTHONUNBUFFERED"}
        assert not unknown, f"{name} sets variables no code reads: {unknown}"


def test_prometheus_scrapes_the_gateway_and_every_part():
    config = yaml.safe_load((ROOT / "ops" / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["gateway"]["static_configs"][0]["targets"] == ["gateway:3333"]
    dns = jobs["parts"]["dns_sd_configs"][0]
    assert set(dns["names"]) == {"handlers", "projectors", "relay"} and dns["port"] == 9100
