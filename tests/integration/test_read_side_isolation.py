"""One event must never stop the read side: large integers fold, and an event a projection cannot fold stops that
projection alone, reported in its pointer, its metric and `/health/ready`, until it is fixed and restarted."""

from __future__ import annotations

import asyncio
import copy
import logging
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client import REGISTRY

from brokers.relay import CHECKPOINTS, RELAY_ID
from commands.store.mongo import COMMITS, MongoEventStore
from domain.promotion import MAX_PER_USER, MAX_STOCK
from domain.reward import MAX_POINTS
from projections.pointers import load_pointer
from projections.registry import all_projections
from projections.runner import ProjectionRunner

pytestmark = pytest.mark.integration


async def test_points_above_int32_are_created_listed_and_do_not_block_later_writes(platform, auth) -> None:
    operator = await auth.headers("OPERATOR")
    jackpot = await platform.client.post("/rewards/point", json={"name": "Jackpot", "points": 2**31},
                                         headers=operator)
    assert jackpot.status_code == 201, jackpot.text
    later = await platform.client.post("/rewards/badge", json={"name": "Later", "badgeId": "b-1"}, headers=operator)
    assert later.status_code == 201, later.text
    listed = await platform.client.get("/rewards", headers=operator,
                                       params={"minPosition": later.headers["Ledger-Position"]})
    assert listed.status_code == 200, listed.text
    by_name: dict[str, Any] = {r["name"]: r for r in listed.json()["items"]}
    assert by_name["Jackpot"]["points"] == 2**31 and "Later" in by_name



async def test_integers_at_their_maxima_fold_and_list_back_exactly_while_json_stays_strict(platform, auth) -> None:
    operator = await auth.headers("OPERATOR")
    top = await platform.client.post("/rewards/point", json={"name": "Top", "points": MAX_POINTS}, headers=operator)
    assert top.status_code == 201, top.text
    for points in (MAX_POINTS + 1, "5", True, 5.0, 2**53):
        refused = await platform.client.post("/rewards/point", json={"name": "No", "points": points},
                                             headers=operator)
        assert refused.status_code == 422 and refused.json()["errors"][0]["path"] == "/points", (points, refused.text)
    event = await platform.client.post("/events", json={"name": "E", "periodStart": "2026-11-01T00:00:00Z"},
                                       headers=operator)
    attached = await platform.client.post(f"/events/{event.json()['id']}/rewards", headers=operator, json={
        "rewardId": top.json()["id"], "stock": MAX_STOCK, "perUserLimit": MAX_PER_USER})
    assert attached.status_code == 201, attached.text
    position = attached.headers["Ledger-Position"]
    listed = await platform.client.get("/rewards", headers=operator, params={"minPosition": position})
    assert [r["points"] for r in listed.json()["items"]] == [MAX_POINTS]
    rewards = await platform.client.get(f"/events/{event.json()['id']}/rewards", headers=operator,
                                        params={"minPosition": position})
    assert rewards.status_code == 200, rewards.text
    item = rewards.json()["items"][0]
    assert (item["reward"]["points"], item["stock"], item["perUserLimit"]) == (MAX_POINTS, MAX_STOCK, MAX_PER_USER)


async def wait_for(condition: Any, what: str, seconds: float = 20.0) -> None:
    """Poll an async condition (bounded, so a broken read side fails the test rather than hanging it)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def inject_after(db: Any, template_position: int, breaks: Callable[[dict[str, Any]], None]) -> int:
    """Append, straight into the store at the next position, a copy of the commit at `template_position` whose
    event `breaks` has edited (as a bad migration or a hand edit would); returns its position."""
    template = await db[COMMITS].find_one({"position": template_position})
    position, reward_id = await MongoEventStore(db).head() + 1, uuid.uuid4().hex
    event = dict(template["events"][0], id=uuid.uuid4().hex, data=copy.deepcopy(template["events"][0]["data"]))
    event["data"]["rewardId"] = reward_id
    breaks(event)
    await db[COMMITS].insert_one(template | {
        "_id": uuid.uuid4().hex, "stream": f"Reward-{reward_id}", "version": 1, "position": position,
        "last": position, "claim": f"commit:{uuid.uuid4().hex}", "events": [event]})
    return position


def metric(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


async def create_badge(platform: Any, headers: dict[str, str], name: str) -> int:
    created = await platform.client.post("/rewards/badge", json={"name": name, "badgeId": "b-1"}, headers=headers)
    assert created.status_code == 201, created.text
    return int(created.headers["Ledger-Position"])


async def relay_position(db: Any) -> int:
    doc = await db[CHECKPOINTS].find_one({"_id": RELAY_ID})
    return int(doc.get("position", 0)) if doc else 0


async def test_an_event_one_projection_cannot_fold_stops_it_alone_until_fixed_and_restarted(
        platform, auth, caplog) -> None:
    caplog.set_level(logging.INFO, logger="ledger.projectors")
    operator = await auth.headers("OPERATOR")
    first = await create_badge(platform, operator, "First")
    poison = await inject_after(platform.db, first, lambda e: e["data"]["spec"].update(badgeId=["not", "text"]))
    event = await platform.client.post("/events", json={"name": "After", "periodStart": "2026-11-01T00:00:00Z"},
                                       headers=operator)
    assert event.status_code == 201, event.text
    later = int(event.headers["Ledger-Position"])
    assert later > poison

    # The other projections and the relay go past it.
    after = await platform.client.get(f"/events/{event.json()['id']}", headers=operator,
                                      params={"minPosition": later})
    assert after.status_code == 200, after.text

    async def relayed() -> bool:
        return await relay_position(platform.db) >= later

    await wait_for(relayed, "the relay to publish past the poison event")
    # The rewards projection stopped before it, and says so: a quick 503 naming it, readiness, the metric.
    behind = await platform.client.get("/rewards", headers=operator, params={"minPosition": later})
    assert behind.status_code == 503 and behind.json()["type"] == "/problems/read-model-stopped", behind.text
    assert "rewards" in behind.json()["detail"] and f"position {poison}" in behind.json()["detail"]
    ready = await platform.client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "degraded" and ready.json()["checks"]["readSide"] == "degraded"
    # the dashboard read model folds RewardCreated too (rewards by type), so it stops at the same event
    assert [{k: v for k, v in s.items() if k != "stoppedAt"} for s in ready.json()["stopped"]] == [
        {"reader": f"projection:{name}", "position": poison, "type": "RewardCreated"}
        for name in ("dashboard", "rewards")]
    assert metric("ledger_projection_stopped", projection="rewards") == 1
    assert metric("ledger_projection_stopped_position", projection="rewards") == poison
    assert metric("ledger_projection_stopped", projection="events") == 0
    assert (await load_pointer(platform.db, "rewards")).position == poison - 1
    listed = await platform.client.get("/rewards", headers=operator, params={"consistency": "eventual"})
    assert [r["name"] for r in listed.json()["items"]] == ["First"]  # the events before it were folded
    # The audit's folded totals count events by their envelope: they go past it, and the audit lists and counts it.
    audited = await platform.client.get("/audit", headers=await auth.headers("AUDITOR"),
                                        params={"type": "RewardCreated", "minPosition": later})
    assert audited.status_code == 200, audited.text
    assert audited.json()["total"] == 2 and poison in [i["position"] for i in audited.json()["items"]]
    await asyncio.sleep(1.5)  # several idle polls: a stopped projection does not retry, so it logs no more
    stops = [r for r in caplog.records if r.name == "ledger.projectors" and r.levelno >= logging.ERROR]
    assert len(stops) == 2 and not any(r.exc_info for r in stops), [r.getMessage() for r in stops]
    assert all(f"position {poison} (RewardCreated" in r.getMessage() and "badgeId" in r.getMessage() for r in stops)

    # Fixed in the store, then the projection restarted: it folds the event and catches up.
    stored = await platform.db[COMMITS].find_one({"position": poison})
    stored["events"][0]["data"]["spec"]["badgeId"] = "b-2"
    await platform.db[COMMITS].replace_one({"_id": stored["_id"]}, stored)
    store = MongoEventStore(platform.db)
    for name in ("rewards", "dashboard"):
        await ProjectionRunner(platform.db, store, all_projections()[name]).catch_up()
    caught_up = await platform.client.get("/rewards", headers=operator, params={"minPosition": later})
    assert caught_up.status_code == 200, caught_up.text
    assert [r["name"] for r in caught_up.json()["items"]] == ["First", "First"]  # the fixed copy of "First"
    ready = await platform.client.get("/health/ready")
    assert ready.json()["status"] == "ok" and "stopped" not in ready.json(), ready.text
    assert metric("ledger_projection_stopped", projection="rewards") == 0


async def test_a_period_start_before_year_one_in_utc_is_refused_not_a_timeout(platform, auth) -> None:
    operator = await auth.headers("OPERATOR")
    event = await platform.client.post("/events", json={"name": "Far", "periodStart": "0001-01-01T00:00:00+14:00"},
                                       headers=operator)
    assert event.status_code == 422, event.text
