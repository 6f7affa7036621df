"""The handlers' facts reader: concurrent requests read their users' facts together (one `$in` while another read
is in flight), each gets its own user's facts, and `minPosition` waits for the read model or answers unavailable."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from domain.activity_facts import Activity, ActivityKind, UserFacts
from domain.errors import DomainError
from projections.pointers import POINTERS, load_pointer
from projections.user_facts import FactsReader, UserFactsProjection, _doc
from tests.integration.test_runner_group import Commands

pytestmark = pytest.mark.integration


async def test_concurrent_reads_are_grouped_and_each_gets_its_own_user(server_env,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("projections.user_facts.FACTS_WAIT_SECONDS", 0.3)
    listener = Commands()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(server_env["MONGO_URL"], tz_aware=True,
                                                                event_listeners=[listener])
    db = client[f"fr{uuid.uuid4().hex[:12]}"]
    try:
        ptr = await load_pointer(db, UserFactsProjection.name)
        for n in range(20):
            facts = UserFacts(f"u{n}")
            for i in range(n):
                facts.apply(Activity(id=f"a{n}-{i}", user_id=f"u{n}", kind=ActivityKind.INVITE,
                                     occurred_at=datetime.now(UTC)))
            await db[ptr.collection].insert_one({"_id": f"u{n}", **_doc(facts, n + 1)})
        await db[POINTERS].update_one({"_id": ptr.name}, {"$set": {"position": 20}})
        reader = FactsReader(db)
        listener.sent.clear()
        got = await asyncio.gather(*(reader.facts_of(f"u{n}", None) for n in (*range(20), 3, 99)))
        start = datetime(2000, 1, 1, tzinfo=UTC)
        assert [f.view(start).invites() for f in got] == [*range(20), 3, 0]  # u99 has no document: no facts
        reads = [c for name, coll, c in listener.sent if name == "find" and coll == ptr.collection]
        asked = [user for c in reads for user in c["filter"]["_id"]["$in"]]
        assert len(reads) < 22 and set(asked) == {f"u{n}" for n in (*range(20), 99)} and len(asked) <= 22

        with pytest.raises(DomainError) as refused:
            await asyncio.wait_for(reader.facts_of("u1", 10**9), 10)
        assert refused.value.code == "unavailable"
    finally:
        await client.drop_database(db.name)
        await client.close()
