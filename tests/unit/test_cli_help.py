"""`reward-ledger`'s help, version and progress, in this process (Typer's CliRunner; nothing is started)."""

from __future__ import annotations

import io
import json
import re
from importlib.metadata import version

import pytest
from typer.testing import CliRunner

from ops.banner import banner, links
from ops.cli import app, subcommands
from ops.progress import Progress
from ops.seed_demo import DEMO_PASSWORD, remember_logins
from projections.registry import all_projections

runner = CliRunner()
EVERY_PART = {"DATA_DIR", "LOG_LEVEL", "NATS_URL", "MONGO_URL", "METRICS_PORT", "EVENT_LOOP"}


def help_of(*command: str) -> str:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "100", "TERMINAL_WIDTH": "100"})
    assert result.exit_code == 0, result.output
    return result.output


def test_version_is_the_package_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"reward-ledger {version('reward-ledger')}"


def test_subcommands_are_the_documented_ones():
    assert subcommands() == {"run", "gateway", "handlers", "relay", "projectors", "grant-consumer", "replay", "admin",
                             "seed-demo"}


@pytest.mark.parametrize(("command", "reads", "not_read"), [
    (["run"], {"DATA_DIR", "LOG_LEVEL", "GATEWAY_PORT", "NATS_URL", "MONGO_URL", "REDIS_URL", "HANDLER_REPLICAS"},
     set()),
    (["gateway"], {"DATA_DIR", "LOG_LEVEL", "GATEWAY_PORT", "NATS_URL", "MONGO_URL", "REDIS_URL", "JWT_ISSUER"},
     set()),
    (["handlers"], EVERY_PART | {"HANDLER_QUEUE", "JWT_PRIVATE_KEY_PATH"}, {"REDIS_URL", "GATEWAY_PORT"}),
    (["relay"], EVERY_PART | {"EVENT_STREAM"}, {"REDIS_URL"}),
    (["projectors"], EVERY_PART, {"REDIS_URL"}),
    (["grant-consumer"], EVERY_PART | {"EVENT_STREAM"}, {"REDIS_URL"}),
    (["replay"], {"DATA_DIR", "LOG_LEVEL", "MONGO_URL", "MONGO_DB", "REPLAY_DROP_GRACE_SECONDS"}, {"NATS_URL"}),
    (["admin", "create"], {"DATA_DIR", "LOG_LEVEL", "MONGO_URL", "MONGO_DB"}, {"NATS_URL", "REDIS_URL"}),
    (["seed-demo"], {"DATA_DIR", "LOG_LEVEL", "MONGO_URL", "MONGO_DB"}, {"NATS_URL", "REDIS_URL"}),
])
def test_each_subcommands_help_lists_the_environment_it_reads(command, reads, not_read):
    listed = set(re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\bDATA_DIR\b", help_of(*command)))
    assert reads <= listed and not (not_read & listed), listed


def test_every_option_has_help():
    for command in (["admin", "create"], ["seed-demo"], ["replay"], ["projectors"]):
        text = help_of(*command)
        for option in re.findall(r"--[a-z-]+", text):
            line = next(line for line in text.splitlines() if option in line)
            assert re.search(rf"{option}\s+(<\w+>\s+)?\S", line) or option == "--help", (option, line)
    assert "email" in help_of("admin", "create").split("--email", 1)[1].splitlines()[0].lower()


def test_replay_help_lists_every_read_model():
    text = help_of("replay")
    assert all(name in text for name in all_projections())


def test_admin_alone_shows_its_help_without_internal_names():
    result = runner.invoke(app, ["admin"])
    assert "create" in result.output and "admin_command" not in result.output


def test_progress_off_a_terminal_is_plain_lines_with_rate_and_eta():
    stream = io.StringIO()
    progress = Progress("seed-demo", "cmd", stream=stream, every=0.0)
    progress.plan("players", 10)
    for _ in range(4):
        progress.advance()
    progress.plan("activities", 10)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue() and len(lines) >= 3
    assert re.fullmatch(r"seed-demo players: 1/10 cmd \(10%\), [\d,]+ cmd/s, elapsed \d:\d\d:\d\d, "
                        r"ETA \d:\d\d:\d\d", lines[0]), lines
    assert lines[-1].startswith("seed-demo activities: 4/20 cmd (20%)")


def test_the_banner_shows_every_url_and_the_demo_logins_seed_demo_left(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MONGO_URL", raising=False)
    found = links("http://127.0.0.1:3333", {"handlers": "http://127.0.0.1:9101/metrics"})
    before = "\n".join(banner("http://127.0.0.1:3333", found, {}, tmp_path / "logs", tmp_path, None))
    for url in ("/console/", "/docs", "/docs/openapi.json", "/docs/asyncapi", "/health/live", "/health/ready",
                ":3333/metrics", ":9101/metrics"):
        assert url in before
    assert "reward-ledger admin create --email" in before and "reward-ledger seed-demo" in before
    assert DEMO_PASSWORD not in before
    remember_logins(5)
    assert json.loads((tmp_path / "demo-logins.json").read_text())["password"] == DEMO_PASSWORD
    after = "\n".join(banner("http://127.0.0.1:3333", found, {}, tmp_path / "logs", tmp_path, None))
    assert f"password {DEMO_PASSWORD}" in after and "admin@demo.test (ADMIN)" in after
    assert "player001..005@demo.test" in after
