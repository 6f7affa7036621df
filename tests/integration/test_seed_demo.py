"""`reward-ledger seed-demo` as a subprocess against the test servers: the demo data set lands in the store as the
platform's own events, the read models fold it like live traffic, and a second run adds nothing."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sys
from collections import Counter
from datetime import UTC, datetime

import pytest

from commands.store.mongo import MongoEventStore
from ops.seed_activity import player_activities
from ops.seed_demo import DEMO_PASSWORD, RICH_CONDITION
from tests.integration.test_admin_cli import ROOT, cli_env

pytestmark = pytest.mark.integration
PLAYERS = 12


async def seed_demo(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ops.cli", "seed-demo", *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, cwd=ROOT, env=env)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_seed_demo_writes_the_data_set_once_and_the_read_models_fold_it(platform, auth, tmp_path):
    code, out, err = await seed_demo(cli_env(platform.env), "--users", str(PLAYERS), "--seed", "7")
    assert code == 0, err
    # stderr is a pipe, not a terminal: plain progress lines with the rate and the ETA, no redrawn bar
    assert re.search(r"^seed-demo [a-z ]+: [\d,]+/[\d,]+ cmd \(\d+%\), [\d,]+ cmd/s.*, ETA \d+:\d\d:\d\d$", err,
                     re.MULTILINE) and "\r" not in err, err
    store = MongoEventStore(platform.db)
    try:
        events = await store.read_all(1, 100_000)
        head = await store.head()
    finally:
        await store.close()
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    expected_activities = sum(len(player_activities(7, today, n, "u")) for n in range(1, PLAYERS + 1))
    assert expected_activities >= 100  # a few hundred for the default 50 players
    assert Counter(e.type for e in events) == {
        "UserRegistered": 3 + PLAYERS, "UserRolesChanged": 3, "RewardCreated": 5, "EventCreated": 4,
        "RewardAttachedToEvent": 7, "EventActivated": 1, "UserActivityRecorded": expected_activities}
    assert {e.event.to_data()["spec"]["type"] for e in events if e.type == "RewardCreated"} == {
        "POINT", "ITEM", "COUPON", "BADGE"}
    assert f"store position 0 -> {head} ({head} new events)" in out
    assert "events/s" in err and "activities" in err  # the progress bar, on stderr only

    # Again, this time through DATA_DIR/run.json as next to a running `reward-ledger run`: nothing new is stored.
    urls = {k: platform.env[k] for k in ("NATS_URL", "MONGO_URL", "REDIS_URL")}
    (tmp_path / "run.json").write_text(json.dumps({"pid": os.getpid(), "servers": urls}))
    env = cli_env({"DATA_DIR": str(tmp_path), "MONGO_DB": platform.env["MONGO_DB"]})
    code, again, err = await seed_demo(env, "--users", str(PLAYERS), "--seed", "7")
    assert code == 0, err
    assert f"store position {head} -> {head} (0 new events)" in again and "left alone" not in again

    login = await platform.client.post("/auth/login", json={"email": "operator@demo.test", "password": DEMO_PASSWORD})
    assert login.status_code == 200, login.text
    assert login.json()["user"]["roles"] == ["OPERATOR", "USER"]
    operator = await auth.headers("OPERATOR")
    listed = await platform.client.get(f"/events?minPosition={head}&limit=100", headers=operator)
    assert listed.status_code == 200, listed.text
    by_name = {e["name"]: e for e in listed.json()["items"]}
    assert listed.json()["total"] == 4
    assert {name: e["status"] for name, e in by_name.items()} == {
        "Daily Login Streak": "ACTIVE", "Autumn Festival": "ACTIVE", "Winter Launch": "INACTIVE",
        "Spend & Share": "ACTIVE"}
    spend = by_name["Spend & Share"]
    assert spend["rewardCondition"] == RICH_CONDITION and by_name["Daily Login Streak"]["periodEnd"] is None

    # The user_facts read model agrees with the CLI's own count of who meets the rich condition: some, not all.
    met = int(re.findall(r"condition is met by (\d+) of", out)[0])
    preview = await platform.client.post(f"/conditions/preview?minPosition={head}", headers=operator, json={
        "condition": RICH_CONDITION, "periodStart": spend["periodStart"], "periodEnd": spend["periodEnd"]})
    assert preview.status_code == 200, preview.text
    assert preview.json()["eligible"] == met and 0 < met < PLAYERS


async def test_seed_demo_with_promotions_stores_requests_and_decisions_once(platform, auth):
    env = cli_env(platform.env)
    code, out, err = await seed_demo(env, "--users", "10", "--events", "30", "--days", "30", "--seed", "11")
    assert code == 0, err
    head = int(re.findall(r"store position \d+ -> (\d+)", out)[0])
    code, again, err = await seed_demo(env, "--users", "10", "--events", "30", "--days", "30", "--seed", "11")
    assert code == 0, err
    assert f"store position {head} -> {head} (0 new events)" in again

    operator = await auth.headers("OPERATOR")
    listed = await platform.client.get(f"/events?minPosition={head}&limit=100", headers=operator)
    assert listed.status_code == 200, listed.text
    statuses = Counter(e["status"] for e in listed.json()["items"])
    assert listed.json()["total"] >= 34 and statuses["ACTIVE"] > statuses["INACTIVE"] > 0
    requests = await platform.client.get(f"/reward-requests?minPosition={head}&limit=100", headers=operator)
    assert requests.status_code == 200, requests.text
    assert {r["status"] for r in requests.json()["items"]} >= {"APPROVED", "REJECTED"}
    login = await platform.client.post("/auth/login", json={"email": "player010@demo.test", "password": DEMO_PASSWORD})
    assert login.status_code == 200, login.text


async def test_seed_demo_says_in_one_line_when_the_store_cannot_be_reached(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out, err = await seed_demo(cli_env({"MONGO_URL": f"mongodb://127.0.0.1:{port}"}), "--users", "1")
    assert code == 2 and len(err.strip().splitlines()) == 1 and not out
    assert f"the event store at mongodb://127.0.0.1:{port} does not accept connections" in err
    code, _, err = await seed_demo(cli_env({"DATA_DIR": str(tmp_path)}))
    assert code == 2 and "run.json" in err
