from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from commands.store import ClaimTaken, ConcurrencyError, MongoEventStore, NewCommit
from domain.user import UserLoggedIn

pytestmark = pytest.mark.integration


async def test_concurrent_appends_get_gapless_positions(mongo_db):
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    now = datetime.now(UTC)

    async def writer(w: int) -> None:
        for i in range(20):
            await store.append(NewCommit(f"User-{w}", 3 * i, [UserLoggedIn(user_id=str(w), logged_in_at=now)] * 3))

    await asyncio.gather(*(writer(w) for w in range(5)))
    events = await store.read_all(1, 10_000)
    assert [e.position for e in events] == list(range(1, 301))
    with pytest.raises(ConcurrencyError):
        await store.append(NewCommit("User-0", 3, [UserLoggedIn(user_id="0", logged_in_at=now)]))
    await store.append(NewCommit("User-x", 0, [UserLoggedIn(user_id="x", logged_in_at=now)], claim="email:a"))
    with pytest.raises(ClaimTaken):
        await store.append(NewCommit("User-y", 0, [UserLoggedIn(user_id="y", logged_in_at=now)], claim="email:a"))
    c = NewCommit("User-z", 0, [UserLoggedIn(user_id="z", logged_in_at=now)])
    first, again = await store.append(c), await store.append(c)
    assert again.duplicate and again.position == first.position
    await store.close()
