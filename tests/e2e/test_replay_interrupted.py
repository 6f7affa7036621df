"""`reward-ledger replay --all` as its own process, stopped mid-way (SIGINT, then kill -9): the live read models stay
as they were, and a re-run starts clean (the aside collections left behind dropped) and ends with models equal to a
fresh fold."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
from typing import Any

import pytest

from commands.store.mongo import MongoEventStore
from ops.seed_demo import seed
from projections.pointers import POINTERS, load_pointers
from projections.registry import all_projections
from projections.runner import ProjectionRunner, RunnerGroup
from tests.read_model_documents import documents

pytestmark = pytest.mark.e2e
ASIDE = re.compile(r"^rm_[a-z_]+_\d{20}$")


async def aside(db: Any) -> list[str]:
    """Read-model collections no pointer names: a replay's work in progress (or its leftovers)."""
    live = {doc["collection"] async for doc in db[POINTERS].find({}, {"collection": 1})}
    return [c for c in await db.list_collection_names() if ASIDE.match(c) and c not in live]


async def folding(db: Any) -> bool:
    """A replay has folded some events aside (not just created its collections)."""
    for collection in await aside(db):
        if await db[collection].find_one({}, {"_id": 1}) is not None:
            return True
    return False


async def stop_mid_way(db: Any, replay: subprocess.Popen[bytes], how: signal.Signals) -> None:
    for _ in range(6000):  # `until` (tests/waiting.py) takes a plain predicate; this one reads the store
        if await folding(db) or replay.poll() is not None:
            break
        await asyncio.sleep(0.01)
    assert replay.poll() is None, "the replay ended before it could be stopped mid-way: seed a larger store"
    replay.send_signal(how)
    await asyncio.to_thread(replay.wait, 30)


async def test_a_replay_stopped_mid_way_leaves_the_live_models_and_a_rerun_starts_clean(
        mongo_db, part_env, spawn) -> None:
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    await seed(store, 400, 5, 30, show_progress=False)
    projections = list(all_projections().values())
    names = [p.name for p in projections]
    assert await RunnerGroup(mongo_db, store, [ProjectionRunner(mongo_db, store, p) for p in projections]
                             ).catch_up() == []
    pointers, live = await load_pointers(mongo_db, names), await documents(mongo_db, names)

    interrupted = spawn(["replay", "--all"], part_env, "replay-sigint")
    await stop_mid_way(mongo_db, interrupted, signal.SIGINT)
    assert await aside(mongo_db) == [], "Ctrl-C drops what the replay had built"
    assert await load_pointers(mongo_db, names) == pointers and await documents(mongo_db, names) == live

    killed = spawn(["replay", "--all"], part_env, "replay-kill")
    await stop_mid_way(mongo_db, killed, signal.SIGKILL)
    assert await aside(mongo_db), "kill -9 leaves the aside collections behind"
    assert await load_pointers(mongo_db, names) == pointers and await documents(mongo_db, names) == live

    rerun = spawn(["replay", "--all"], {**part_env, "REPLAY_DROP_GRACE_SECONDS": "0"}, "replay-rerun")
    assert await asyncio.to_thread(rerun.wait, 120) == 0
    assert await aside(mongo_db) == []
    switched = await load_pointers(mongo_db, names)
    assert all(switched[n].collection != pointers[n].collection for n in names)
    assert {ptr.position for ptr in switched.values()} == {await store.head()}
    assert await documents(mongo_db, names) == live  # the replay's models are the fresh fold's
    await store.close()
