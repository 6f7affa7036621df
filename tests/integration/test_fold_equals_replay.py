"""For every registered read model (projections/registry.py, so a new one is covered when it is registered): folding
live, in whatever batches the log happened to be read, with a crash that folded a range past the checkpoint before
it was saved, gives exactly the documents a replay from 0 gives - the read model's and its companions' alike.

The histories are the demo data set's (ops/seed_demo.py, through the real commands), of a random size and seed:
every event type the platform records, in the orders its commands allow."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.catchup_bench import Capped
from commands.store.mongo import MongoEventStore
from gateway.readmodels import ReadModels
from ops.seed_demo import seed
from projections.pointers import load_pointers
from projections.registry import all_projections
from projections.replay import drop_replaced, rebuild
from projections.runner import ProjectionRunner, RunnerGroup, fold_batch
from tests.read_model_documents import documents

pytestmark = pytest.mark.integration


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(users=st.integers(2, 12), promotions=st.integers(0, 3), seed_value=st.integers(0, 10_000),
       cuts=st.lists(st.integers(1, 40), min_size=1, max_size=8),
       crash=st.tuples(st.integers(0, 7), st.integers(1, 60)))
async def test_every_read_model_folded_live_in_any_cuts_with_a_crash_equals_its_replay(
        mongo_db, users, promotions, seed_value, cuts, crash) -> None:
    db = mongo_db.client[f"f{uuid.uuid4().hex[:12]}"]
    store = MongoEventStore(db)
    try:
        await store.ensure_indexes()
        await seed(store, users, seed_value, promotions, show_progress=False)
        head = await store.head()
        projections = list(all_projections().values())
        names = [p.name for p in projections]
        crash_at, crash_span = crash[0] % len(cuts), crash[1]  # after one of the cuts, before the log's end
        position = 0
        for i, cut in enumerate([*cuts, head]):
            position = min(head, position + cut)
            capped = Capped(store, position)
            group = RunnerGroup(db, capped, [ProjectionRunner(db, capped, p) for p in projections])  # type: ignore[arg-type]
            assert await group.catch_up() == []
            if i == crash_at:  # folded past the checkpoint, then a crash before the checkpoint was saved
                ahead = await Capped(store, position + crash_span).read_all(position + 1, 10_000)
                pointers = await load_pointers(db, names)
                for p in projections:
                    await fold_batch(p, db[pointers[p.name].collection], ahead)
        assert {ptr.position for ptr in (await load_pointers(db, names)).values()} == {head}
        live = await documents(db, names)

        done = await rebuild(db, store, projections)
        assert not done.failed and {pos for _, pos in done.switched.values()} == {head}
        await drop_replaced(db, done.replaced, 0)
        assert await documents(db, names) == live
    finally:
        await store.close()
        await mongo_db.client.drop_database(db.name)


async def test_reads_during_a_replay_of_every_read_model_always_see_a_complete_model(mongo_db) -> None:
    """The gateway's read path (ReadModels, which follows the pointers) asked again and again while `replay --all`
    builds aside, switches and drops the old collections: every answer is the whole model, never an empty or a
    half-built one."""
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    await seed(store, 40, 3, 4, show_progress=False)
    projections = list(all_projections().values())
    group = RunnerGroup(mongo_db, store, [ProjectionRunner(mongo_db, store, p) for p in projections])
    assert await group.catch_up() == []
    expected = {p.name: await mongo_db[(await load_pointers(mongo_db, [p.name]))[p.name].collection]
                .count_documents({}) for p in projections}
    assert all(expected.values())
    reads = ReadModels(mongo_db, wait_seconds=1.0, consistency_wait=0)
    seen: list[dict[str, int]] = []

    async def read_all_the_time() -> None:
        while True:
            seen.append({p.name: await (await reads.collection(p.name)).count_documents({}) for p in projections})
            await asyncio.sleep(0.005)

    reader = asyncio.create_task(read_all_the_time())
    try:
        done = await rebuild(mongo_db, store, projections)
        await drop_replaced(mongo_db, done.replaced, 0.6)  # the gateway re-reads a pointer at most every 0.5 s
        await asyncio.sleep(0.6)
    finally:
        reader.cancel()
    assert len(done.switched) == len(projections) and len(seen) > 10
    assert all(counts == expected for counts in seen), [c for c in seen if c != expected][:3]
