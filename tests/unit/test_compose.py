"""compose.yaml cannot be started here (no Docker engine), so check what can go wrong in it without one: every part
runs a real subcommand, every variable it sets is one the code reads, and Prometheus scrapes every metrics port."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from base.nats_auth import IDENTITIES, compose_config, password_variable
from ops import cli

ROOT = Path(__file__).parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_every_part_runs_a_real_subcommand_with_external_servers():
    subcommands = cli.subcommands()
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


def test_each_part_connects_to_nats_as_its_own_identity():
    services = compose()["services"]
    parts = {name: s for name, s in services.items() if s.get("image") == "reward-ledger:latest"}
    for name, service in parts.items():
        env = service["environment"]
        identity = service["command"][0]
        assert env["NATS_USER"] == identity, name
        assert env["NATS_PASSWORD"] == "${" + password_variable(identity)[1:] + ":?set in .env}", name
        assert "@" not in env["NATS_URL"], name  # no credentials shared through the common URL
    assert len({s["environment"]["NATS_PASSWORD"] for s in parts.values()}) == len(parts)


def test_nats_runs_with_the_generated_permissions_and_every_password():
    nats = compose()["services"]["nats"]
    assert nats["command"][:2] == ["-c", "/etc/nats/nats.conf"]
    assert "./ops/nats/nats.conf:/etc/nats/nats.conf:ro" in nats["volumes"]
    assert set(nats["environment"]) == {password_variable(i)[1:] for i in IDENTITIES}
    assert (ROOT / "ops" / "nats" / "nats.conf").read_text() == compose_config(), "regenerate: python -m base.nats_auth"
