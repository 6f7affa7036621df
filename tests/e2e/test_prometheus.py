"""A real Prometheus (Debian's `prometheus`) scrapes `reward-ledger run` with the shipped config, only its targets
pointed at this run's ports: every target is up, each headline series has a value after some traffic, the business
gauges equal the dashboard API's figures, and the shipped alert rules are loaded and evaluate."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from pymongo import AsyncMongoClient

from bench.read_your_writes_bench import operator_headers
from ops.servers import free_port, spawn_logged, stop_process, wait_http_ok
from projections.registry import all_projections
from tests.e2e.conftest import wait_ready
from tests.e2e.test_grant_crash import STOCK, offer, user_headers
from tests.e2e.test_run_supervisor import start_run
from tests.promql import ALERTS, ROOT
from tests.waiting import until

PROMETHEUS = shutil.which("prometheus")
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    PROMETHEUS is None, reason="no prometheus binary: Debian's package (apt-get install prometheus; `make test` does "
                               "it when run as root) could not be installed here")]


def scrape_config(gateway: str, parts: list[str], directory: Path) -> Path:
    """The shipped prometheus.yml with each job's discovery replaced by this run's host:ports, a 1 s interval, and
    the shipped alert rules beside it (rule_files stays as shipped, relative to the config)."""
    config = yaml.safe_load((ROOT / "ops" / "prometheus" / "prometheus.yml").read_text())
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    targets = {"gateway": [urlsplit(gateway).netloc], "parts": [urlsplit(url).netloc for url in parts]}
    # cAdvisor watches containers, and none run here: the one job this run cannot serve.
    config["scrape_configs"] = [job for job in config["scrape_configs"] if job["job_name"] != "cadvisor"]
    assert {job["job_name"] for job in config["scrape_configs"]} == set(targets)
    for job in config["scrape_configs"]:
        for key in [k for k in job if k.endswith("_sd_configs") or k == "static_configs"]:
            del job[key]
        job["static_configs"] = [{"targets": targets[job["job_name"]]}]
    for rules in config["rule_files"]:
        shutil.copy(ROOT / "ops" / "prometheus" / rules, directory / rules)
    path = directory / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


class Prometheus:
    def __init__(self, url: str) -> None:
        self.url = url

    def query(self, promql: str) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=10).json()
        assert answer["status"] == "success", answer
        result: list[dict[str, Any]] = answer["data"]["result"]
        return result

    def values(self, promql: str, label: str | None = None) -> dict[str | None, float]:
        return {(s["metric"].get(label) if label else None): float(s["value"][1]) for s in self.query(promql)}


def paced(check: Callable[[], bool]) -> Callable[[], bool]:
    """`check` asked at most every half second (Prometheus scrapes every second): `until` polls every 10 ms."""
    last = [0.0]

    def ask() -> bool:
        if time.monotonic() - last[0] < 0.5:
            return False
        last[0] = time.monotonic()
        return check()

    return ask


async def drive_traffic(gateway: str, mongo_url: str) -> dict[str, Any]:
    """An operator offers a stocked reward, a user asks for it twice: one approved (a grant), one rejected.
    Returns the dashboard API's totals once it has folded both decisions."""
    client_db = AsyncMongoClient(mongo_url, tz_aware=True)
    try:
        async with httpx.AsyncClient(base_url=gateway, timeout=15) as client:
            operator = await operator_headers(client, client_db["ledger"])
            user = await user_headers(client)
            event_id, reward_id = await offer(client, operator)
            decided = []
            for status in ("APPROVED", "REJECTED"):
                asked = await client.post(f"/events/{event_id}/request-reward", headers=user,
                                          json={"rewardId": reward_id})
                assert asked.status_code == 201, asked.text
                decision = await client.patch(f"/reward-requests/{asked.json()['id']}", headers=operator,
                                              json={"status": status})
                assert decision.status_code == 200, decision.text
                decided.append(decision.json()["status"])
            assert decided == ["APPROVED", "REJECTED"]
            overview: dict[str, Any] = {}

            async def folded() -> bool:
                overview.update((await client.get("/dashboard", headers=operator)).json())
                return overview.get("requestsByStatus", {}).get("rejected") == 1

            for _ in range(300):
                if await folded():
                    return overview
                await asyncio.sleep(0.1)
            raise AssertionError(f"the dashboard never showed both decisions: {overview}")
    finally:
        await client_db.close()


async def test_a_real_prometheus_scrapes_every_part_with_the_shipped_config_and_rules(tmp_path: Path) -> None:
    run, port = start_run(tmp_path)
    prometheus = None
    try:
        gateway = f"http://127.0.0.1:{port}"
        await asyncio.to_thread(wait_ready, gateway, 60)
        info = json.loads((tmp_path / "data" / "run.json").read_text())
        parts = list(info["metrics"].values())
        config = scrape_config(info["gateway"], parts, tmp_path)
        listen = f"127.0.0.1:{free_port()}"
        prometheus = spawn_logged([str(PROMETHEUS), f"--config.file={config}",
                                   f"--storage.tsdb.path={tmp_path / 'tsdb'}", f"--web.listen-address={listen}"],
                                  tmp_path / "prometheus.log")
        await asyncio.to_thread(wait_http_ok, f"http://{listen}/-/ready", 60)
        prom = Prometheus(f"http://{listen}")

        overview = await drive_traffic(gateway, info["servers"]["MONGO_URL"])
        expected_targets = {urlsplit(u).netloc for u in [info["gateway"], *parts]}
        checks: dict[str, Any] = {
            "every target up": lambda: prom.values("up", "instance") == dict.fromkeys(expected_targets, 1.0),
            "HTTP request rate by route": lambda: {"/auth/users", "request-reward"} <= {
                str(route).rsplit("/", 1)[-1] if "request-reward" in str(route) else route
                for route in prom.values("sum by (route) (rate(ledger_http_request_seconds_count[1m]))", "route")},
            "command latency, both sides": lambda: set(prom.values(
                "sum by (side) (ledger_command_seconds_bucket{le=\"+Inf\"})", "side")) == {"gateway", "handler"},
            "store append latency": lambda: prom.values("sum(ledger_store_append_seconds_count)").get(None, 0) > 0,
            "projection lag per projection": lambda: set(prom.values("ledger_projection_lag_events", "projection"))
            >= set(all_projections()),
            "relay position": lambda: prom.values("max(ledger_relay_position)").get(None, 0) > 0,
            "every dependency reachable": lambda: prom.values("ledger_dependency_up", "dependency")
            == {"nats": 1.0, "store": 1.0, "redis": 1.0},
            "business: requests by status as the dashboard says": lambda: prom.values(
                "max by (status) (ledger_business_reward_requests)", "status")
            == {k: float(v) for k, v in overview["requestsByStatus"].items() if k != "total"},
            "business: users": lambda: prom.values("max(ledger_business_users)") == {None: float(overview["users"])},
            "business: one grant, stock less one": lambda: (
                prom.values("max(ledger_business_rewards_granted)") == {None: 1.0}
                and prom.values("max(ledger_business_stock_remaining)") == {None: float(STOCK - 1)}
                and prom.values("max by (stock) (ledger_business_attached_rewards)", "stock")
                == {"limited": 1.0, "unlimited": 0.0, "sold_out": 0.0}),
        }
        for what, check in checks.items():
            await until(paced(check), f"Prometheus to show {what}", seconds=60)

        shipped = {r["alert"] for g in yaml.safe_load(ALERTS.read_text())["groups"] for r in g["rules"]}

        def rules_evaluated() -> bool:
            groups = httpx.get(f"http://{listen}/api/v1/rules", timeout=10).json()["data"]["groups"]
            rules = [r for g in groups for r in g["rules"]]
            return {r["name"] for r in rules} == shipped and all(r["health"] == "ok" for r in rules)

        await until(paced(rules_evaluated), "the shipped alert rules loaded and evaluated with health ok", seconds=60)
        firing = prom.values('ALERTS{alertstate="firing", severity="critical"}', "alertname")
        assert firing == {}, firing  # a healthy platform pages nobody
    finally:
        if prometheus is not None:
            stop_process(prometheus, timeout=10)
        stop_process(run, timeout=30)
    assert prometheus.poll() is not None
