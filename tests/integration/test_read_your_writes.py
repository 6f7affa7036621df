"""Reads see the writes acknowledged before them (SPEC "Read your writes"), without `?minPosition=`: a client of
the original system writes and reads at once; a read model that cannot catch up makes the answer say how far
behind it is (`Ledger-Lag`) instead of failing; `?consistency=eventual` does not wait."""

from __future__ import annotations

import json
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient

from base.nats_auth import GAME_SERVER
from commands.store.mongo import MongoEventStore
from tests.integration.test_read_side_isolation import create_badge, inject_after, wait_for

pytestmark = pytest.mark.integration
EVENT = {"name": "Launch week", "periodStart": "2026-11-01T00:00:00Z"}


async def test_a_get_right_after_a_post_sees_it_without_min_position(platform, auth) -> None:
    operator = await auth.headers("OPERATOR")
    answers = []
    for n in range(15):
        created = await platform.client.post("/events", json=EVENT | {"name": f"Launch {n}"}, headers=operator)
        assert created.status_code == 201, created.text
        answers.append(await platform.client.get(f"/events/{created.json()['id']}", headers=operator))
    assert [a.status_code for a in answers] == [200] * 15, [a.text for a in answers if a.status_code != 200]
    assert [a.json()["name"] for a in answers] == [f"Launch {n}" for n in range(15)]
    assert not [a for a in answers if "Ledger-Lag" in a.headers]


async def test_a_read_model_that_cannot_catch_up_answers_with_its_lag_not_an_error(platform, auth) -> None:
    operator = await auth.headers("OPERATOR")
    first = await create_badge(platform, operator, "First")
    poison = await inject_after(platform.db, first, lambda e: e["data"]["spec"].update(badgeId=["not", "text"]))
    later = await create_badge(platform, operator, "Later")  # the rewards projection stops before `poison`
    listed = await platform.client.get("/rewards", headers=operator)
    assert listed.status_code == 200, listed.text
    assert int(listed.headers["Ledger-Lag"]) == later - poison + 1
    assert [r["name"] for r in listed.json()["items"]] == ["First"]
    other = await platform.client.get("/events", headers=operator)  # another read model is not held back
    assert other.status_code == 200 and "Ledger-Lag" not in other.headers, other.headers
    eventual = await platform.client.get("/rewards", headers=operator, params={"consistency": "eventual"})
    assert eventual.status_code == 200 and "Ledger-Lag" not in eventual.headers, eventual.headers
    strict = await platform.client.get("/rewards", headers=operator, params={"minPosition": later})
    assert strict.status_code == 503 and strict.json()["type"] == "/problems/read-model-stopped", strict.text


async def test_the_consistency_parameter_is_checked_and_documented_on_reads(platform, auth) -> None:
    operator = await auth.headers("OPERATOR")
    refused = await platform.client.get("/events", headers=operator, params={"consistency": "sometimes"})
    assert refused.status_code == 400, refused.text
    document: dict[str, Any] = (await platform.client.get("/docs/openapi.json")).json()
    for path in ("/events", "/events/{eventId}", "/rewards", "/auth/me"):
        names = {p["name"] for p in document["paths"][path]["get"].get("parameters", [])}
        assert {"consistency", "minPosition"} <= names, (path, names)


async def test_the_gateway_learns_the_head_from_writes_it_did_not_carry(platform, auth) -> None:
    """A game server's activity goes to the handlers over NATS, not through the gateway: the handlers' append
    notification tells the gateway, so its next read waits for that write too."""
    head, player = platform.app.state.gateway.read_models.head, await auth.user()
    nc = NatsClient()
    await nc.connect(platform.env["NATS_URL"], **platform.nats_login(GAME_SERVER))
    try:
        activity = {"id": "ryw-1", "userId": player.id, "kind": "login", "occurredAt": "2026-11-30T10:00:00Z"}
        reply = json.loads((await nc.request("rewards.activity.login", json.dumps(activity).encode(), 5)).data)
    finally:
        await nc.close()
    assert reply["ok"] is True, reply
    stored = await MongoEventStore(platform.db).head()

    async def heard() -> bool:
        return head.position >= stored

    await wait_for(heard, "the append notification to reach the gateway")
