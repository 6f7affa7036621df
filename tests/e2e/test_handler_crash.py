"""Killing a command-handler process mid-run loses and duplicates nothing: the other replica in the queue group
keeps serving, a client retrying with its Idempotency-Key gets one answer, and the store holds each event once."""

from __future__ import annotations

import asyncio
import signal

import httpx
import pytest

from commands.store.mongo import MongoEventStore
from tests.e2e.conftest import wait_ready

pytestmark = pytest.mark.e2e
USERS = 60


async def register_with_retries(client: httpx.AsyncClient, i: int) -> httpx.Response:
    body = {"email": f"crash{i}@example.com", "password": "correct-horse-9"}
    for attempt in range(30):
        response = await client.post("/auth/users", json=body, headers={"Idempotency-Key": f"reg-{i}"})
        if response.status_code not in (409, 503) or response.json().get("type") == "/problems/conflict":
            return response
        await asyncio.sleep(0.2 * (attempt + 1))
    return response


async def test_killing_a_handler_mid_run_loses_and_duplicates_nothing(part_env, spawn, mongo_db):
    first = spawn(["handlers"], part_env, "handlers-a")
    spawn(["handlers"], part_env, "handlers-b")
    spawn(["gateway"], {**part_env, "REGISTRATION_MAX_PER_ADDRESS": "0"})  # all from one client address
    base = f"http://127.0.0.1:{part_env['GATEWAY_PORT']}"
    await asyncio.to_thread(wait_ready, base)
    done, quarter_done = 0, asyncio.Event()
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        semaphore = asyncio.Semaphore(8)

        async def one(i: int) -> httpx.Response:
            nonlocal done
            async with semaphore:
                response = await register_with_retries(client, i)
                done += 1
                if done >= USERS // 4:
                    quarter_done.set()
                return response

        tasks = [asyncio.create_task(one(i)) for i in range(USERS)]
        await quarter_done.wait()
        first.send_signal(signal.SIGKILL)  # mid-run, with commands in flight
        await asyncio.sleep(0.5)
        spawn(["handlers"], part_env, "handlers-a-restarted")
        responses = await asyncio.gather(*tasks)

    assert [r.status_code for r in responses] == [201] * USERS, [r.text for r in responses if r.status_code != 201]
    assert len({r.json()["id"] for r in responses}) == USERS
    events = await MongoEventStore(mongo_db).read_all(1, 10_000)
    assert sorted(e.event.email for e in events) == sorted(f"crash{i}@example.com" for i in range(USERS))
    assert [e.position for e in events] == list(range(1, USERS + 1))
