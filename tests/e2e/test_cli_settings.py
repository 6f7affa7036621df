"""Every subcommand validates the environment at start: a bad value is one line naming the variable, exit 2; a
stale run.json is reported in one line at once instead of a 30 s hang and a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def cli(tmp_path: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "MONGO_URL", "REDIS_URL", "LOG_LEVEL")}
    return subprocess.run([sys.executable, "-m", "ops.cli", *argv], env={**clean, "DATA_DIR": str(tmp_path), **env},
                          input="pw-not-used-1\n", capture_output=True, text=True, timeout=60, cwd=ROOT)


@pytest.mark.parametrize(("command", "variable", "value", "accepts"), [
    (["run"], "GATEWAY_PORT", "abc", "valid integer"), (["gateway"], "GATEWAY_PORT", "70000", "65535"),
    (["handlers"], "LOG_LEVEL", "loud", "'INFO'"), (["replay", "--all"], "COOKIE_SECURE", "maybe", "boolean"),
    (["admin", "create", "--email", "a@b.c"], "COMMAND_TIMEOUT", "-1", "greater"),
    (["seed-demo"], "METRICS_PORT", "x", "valid integer")])
def test_a_bad_variable_is_one_line_naming_it_and_exit_2(tmp_path, command, variable, value, accepts):
    result = cli(tmp_path, *command, **{variable: value})
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0] and accepts in lines[0], result.stderr
    assert not (tmp_path / "servers").exists()  # `run` refused before starting anything


def test_log_level_is_case_insensitive(tmp_path):
    result = cli(tmp_path, "replay", "--all", LOG_LEVEL="info")
    assert "Unknown level" not in result.stderr and "Traceback" not in result.stderr
    assert result.returncode == 2 and "MONGO_URL is not set" in result.stderr  # got past settings to the servers


def test_a_stale_run_json_is_reported_in_one_line_at_once(tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    (tmp_path / "run.json").write_text(json.dumps({"pid": gone.pid, "servers": {
        "NATS_URL": "nats://127.0.0.1:9", "MONGO_URL": "mongodb://127.0.0.1:9/", "REDIS_URL": "redis://127.0.0.1:9"}}))
    for command in (["admin", "create", "--email", "a@example.com", "--password-stdin"], ["replay", "--all"]):
        started = time.monotonic()
        result = cli(tmp_path, *command)
        assert time.monotonic() - started < 25  # start-up on a busy machine, not pymongo's 30 s selection time-out
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1, result.stderr
        assert "stale" in lines[0] and str(gone.pid) in lines[0]


def test_the_configuration_reference_matches_the_settings_classes():
    from ops.config_docs import render

    assert (ROOT / "docs" / "configuration.md").read_text() == render(), \
        "regenerate: python -m ops.config_docs > docs/configuration.md"


def test_replay_names_an_unknown_read_model_and_lists_them_in_one_line(tmp_path):
    from projections.registry import all_projections

    result = cli(tmp_path, "replay", "nope")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert "'nope'" in lines[0] and all(name in lines[0] for name in all_projections())


@pytest.mark.timeout(120)
def test_with_the_servers_down_every_subcommand_names_the_missing_one_in_one_line(tmp_path):
    """Started alone with nothing listening: one line naming the server and its variable, exit 2, no traceback
    (the store's client would try for its selection time-out, a part's clients for much longer)."""
    from ops.servers import free_port

    down = {"NATS_URL": f"nats://127.0.0.1:{free_port()}", "MONGO_URL": f"mongodb://127.0.0.1:{free_port()}/",
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}"}
    for command, variable in ((["admin", "create", "--email", "a@example.com", "--password-stdin"], "MONGO_URL"),
                              (["replay", "--all"], "MONGO_URL"), (["seed-demo", "--users", "1"], "MONGO_URL"),
                              (["gateway"], "NATS_URL"), (["handlers"], "NATS_URL"), (["relay"], "NATS_URL"),
                              (["projectors"], "NATS_URL"), (["grant-consumer"], "NATS_URL")):
        result = cli(tmp_path, *command, **down)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1, (command, result.stderr)
        assert variable in lines[0] and down[variable] in lines[0] and "Traceback" not in result.stderr, lines[0]
    result = cli(tmp_path, "gateway", **{**down, "NATS_URL": "", "MONGO_URL": ""})  # no run.json either
    assert result.returncode == 2 and "NATS_URL is not set" in result.stderr
