"""Read-your-writes with the parts as separate processes: the gateway learns the head from its replies and the
handlers' append notifications, the projectors fold in another process, and a projector that is not running makes
a read answer with its lag rather than fail or hang."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bench.read_your_writes_bench import operator_headers
from tests.e2e.conftest import wait_ready

pytestmark = pytest.mark.e2e


async def test_reads_see_writes_across_processes_and_a_stopped_projector_shows_as_lag(part_env, spawn, mongo_db):
    spawn(["handlers"], part_env)
    spawn(["projectors", "users", "events", "event_rewards", "user_facts"], part_env)  # not "rewards"
    spawn(["gateway"], part_env)
    base = f"http://127.0.0.1:{part_env['GATEWAY_PORT']}"
    await asyncio.to_thread(wait_ready, base)
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        operator = await operator_headers(client, mongo_db)
        answers = []
        for n in range(15):
            created = await client.post("/events", headers=operator,
                                        json={"name": f"Launch {n}", "periodStart": "2026-11-01T00:00:00Z"})
            assert created.status_code == 201, created.text
            answers.append(await client.get(f"/events/{created.json()['id']}", headers=operator))
        assert [a.status_code for a in answers] == [200] * 15, [a.text for a in answers if a.status_code != 200]

        badge = await client.post("/rewards/badge", json={"name": "Early bird", "badgeId": "b-1"}, headers=operator)
        assert badge.status_code == 201, badge.text
        behind = await client.get("/rewards", headers=operator)  # nobody folds rewards: waits its bound, answers
        assert behind.status_code == 200 and behind.json()["items"] == [], behind.text
        assert int(behind.headers["Ledger-Lag"]) >= int(badge.headers["Ledger-Position"]) > 0
        eventual = await client.get("/rewards", headers=operator, params={"consistency": "eventual"})
        assert eventual.status_code == 200 and "Ledger-Lag" not in eventual.headers, eventual.headers
