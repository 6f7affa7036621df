"""`python -m bench.loadtest` (what `make loadtest` runs) against the platform as processes, briefly and at a small
scale: every scenario sends, nothing fails, the table, summary and JSON say so. Latency and achieved rate depend on
the machine, so they are only checked to be reported, never compared."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from base.nats_auth import GATEWAY, HANDLERS, PROJECTORS, RELAY
from bench import loadtest
from bench.platform import Part, Running, parts_running
from commands.keys import load_or_create_key
from ops.servers import Servers
from tests.integration.test_admin_cli import ROOT, cli_env
from tests.integration.test_seed_demo import seed_demo

pytestmark = pytest.mark.e2e
ROWS = ["reward-requests", "event-creation", "event-listing", "event-listing-in-period", "event-reward-listing",
        "reward-attach"]


@pytest.fixture
def platform(servers: Servers, tmp_path: Path) -> Iterator[Running]:
    key = tmp_path / "keys" / "jwt-ed25519.pem"
    load_or_create_key(key)  # before the parts start, so they all sign and verify with the same one
    parts: list[Part] = [(["ops.cli", "handlers"], HANDLERS, "handlers.log"),
                         (["ops.cli", "projectors"], PROJECTORS, "projectors.log"),
                         (["ops.cli", "relay"], RELAY, "relay.log"), (["ops.cli", "gateway"], GATEWAY, "gateway.log")]
    with parts_running(servers, tmp_path, parts, JWT_PRIVATE_KEY_PATH=str(key), COOKIE_SECURE="false") as running:
        yield running


async def run_loadtest(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.loadtest", *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, cwd=ROOT)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_the_load_profile_runs_every_scenario_without_errors_and_writes_its_results(platform, tmp_path):
    code, out, err = await seed_demo(cli_env(platform.env), "--users", "5")
    assert code == 0, err
    results = tmp_path / "loadtest.json"
    code, out, err = await run_loadtest("--url", platform.url, "--scale", "0.3", "--duration", "3", "--users", "5",
                                        "--json", str(results))
    assert code == 0, err
    table = out.splitlines()
    assert [line.split()[0] for line in table[2:2 + len(ROWS)]] == ROWS, out
    assert any(line.startswith("loadtest 0.3x for 3 s: ") for line in table), out
    assert any(line.startswith("driver CPU: ") for line in table), out

    written = json.loads(results.read_text())
    assert written["scale"] == 0.3 and written["durationSeconds"] == 3 and written["url"] == platform.url
    assert [r["name"] for r in written["rows"]] == ROWS
    for r in written["rows"]:
        assert r["sent"] > 0 and r["ok"] == r["sent"] and r["errors"] == {}, r
        assert {"targetRate", "achievedRate", "p50Ms", "p95Ms", "p99Ms", "boundMs", "pass", "late",
                "worstLateMs"} <= r.keys()
        assert r["p50Ms"] is not None and r["p95Ms"] is not None and isinstance(r["pass"], bool)
    assert written["holds"] == all(r["pass"] for r in written["rows"])
    assert written["summary"].startswith("loadtest 0.3x for 3 s: " + ("HOLDS" if written["holds"] else "FAILS"))
    assert {"cpuSeconds", "cpuShare", "cpuMsPerRequest"} <= written["driver"].keys()
    assert written["driver"]["users"] == 5

    # A player the seed did not make: the set-up stops at its login, says so in one line, exit 2.
    code, out, err = await run_loadtest("--url", platform.url, "--duration", "1", "--users", "6")
    assert code == 2 and out == "", out
    assert err.count("\n") == 1 and "player006@demo.test cannot log in" in err and "seed-demo" in err, err


def test_without_a_running_platform_the_set_up_fails_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    assert loadtest.main(["--duration", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no running platform" in err and "run.json" in err, err
