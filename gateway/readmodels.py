"""Read side of the gateway: which collection is live for a projection, and read-your-writes waiting.

A GET sees every write acknowledged before it arrived: it waits (at most `consistency_wait`) until the read models
it reads have folded the store head the gateway knew of on arrival (gateway/store_head.py), then answers anyway,
noting `Ledger-Lag`. `?minPosition=` waits longer (`wait_seconds`) for a position the client names, else 503;
`?consistency=eventual` does not wait for the head. Waiting requests share their pointer reads: one store read per
projection per `POLL_SECONDS` at most, however many requests wait."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from commands.store.mongo import MongoEventStore
from gateway.problems import Unavailable
from gateway.single_flight import SingleFlight
from gateway.store_head import LAG_STATE_KEY, StoreHead
from projections.pointers import Pointer, load_pointer

POLL_SECONDS = 0.01
#: A read may use a pointer this old. Replay keeps an old collection for 2 s after switching
#: (projections/replay.py), so a cached name never points at a dropped collection.
POINTER_TTL_SECONDS = 0.5


def stopped_before(ptr: Pointer, position: int) -> bool:
    """The projection stopped at an event it cannot fold, at or before `position`: waiting will not get there."""
    return ptr.stopped is not None and int(ptr.stopped.get("position", 0)) <= position


class PointerWatch:
    """One projection's pointer as last read, shared by every request of this gateway."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]], name: str) -> None:
        self.db, self.name = db, name
        self.latest: tuple[float, Pointer] | None = None  # (when its read started, the pointer)
        self._load = SingleFlight(self._read)

    async def _read(self) -> Pointer:
        started = time.monotonic()
        ptr = await load_pointer(self.db, self.name)
        if self.latest is None or started >= self.latest[0]:
            self.latest = (started, ptr)
        return ptr

    async def read(self, max_age: float) -> Pointer:
        """The pointer as read at most `max_age` ago, or read now (joining a read already in flight)."""
        if self.latest is not None and time.monotonic() - self.latest[0] <= max_age:
            return self.latest[1]
        return await self._load()

    async def reach(self, position: int, deadline: float) -> Pointer:
        """The pointer once it has folded `position`, or as it is at `deadline` or when it stopped before it."""
        def done(p: Pointer) -> bool:
            return p.position >= position or stopped_before(p, position)

        ptr = await self.read(POINTER_TTL_SECONDS)
        if not done(ptr):
            ptr = await self.read(POLL_SECONDS / 2)  # a cached pointer may be behind: look (once per half poll)
        while not done(ptr) and (remaining := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(POLL_SECONDS, remaining))
            ptr = await self.read(POLL_SECONDS / 2)
        return ptr


class ReadModels:
    """The gateway's read models; `for_request` binds them to one request's consistency and its `Ledger-Lag`."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]], wait_seconds: float, consistency_wait: float = 1.0,
                 head: StoreHead | None = None) -> None:
        self.db, self.wait_seconds, self.consistency_wait = db, wait_seconds, consistency_wait
        self.head = head or StoreHead(MongoEventStore(db).head)
        self.eventual = False
        self._request_state: dict[str, Any] | None = None  # set by `for_request`: where the lag is noted
        self._watches: dict[str, PointerWatch] = {}
        self._arrival: asyncio.Future[tuple[float, int | None]] | None = None  # per request: see `_arrived`

    def for_request(self, request_state: dict[str, Any], eventual: bool) -> ReadModels:
        """The same read models (shared watches and head) for one request: `request_state` receives its lag."""
        bound = copy.copy(self)
        bound._request_state, bound.eventual, bound._arrival = request_state, eventual, None
        return bound

    async def _arrived(self) -> tuple[float, int | None]:
        """When the request arrived and the store head known then (None: not waited for), taken at its first read
        model: a request reading two waits for both to reach the same head, not for a later one the second time."""
        if self._request_state is None:  # not bound to a request (`for_request`): nothing to share
            return await self._arrival_now()
        if self._arrival is None:  # the first read model of this request: every later one shares this reading
            self._arrival = asyncio.ensure_future(self._arrival_now())
        return await asyncio.shield(self._arrival)

    async def _arrival_now(self) -> tuple[float, int | None]:
        arrived = time.monotonic()
        return arrived, None if self.eventual or self.consistency_wait <= 0 else await self.head.known()

    def _watch(self, projection: str) -> PointerWatch:
        if projection not in self._watches:
            self._watches[projection] = PointerWatch(self.db, projection)
        return self._watches[projection]

    async def collection(self, projection: str, min_position: int | None = None) -> AsyncCollection[dict[str, Any]]:
        """The live collection of `projection`, once it has folded `min_position` (else 503 after the wait) and,
        unless eventual, the head known on arrival (else the answer notes its `Ledger-Lag`)."""
        watch = self._watch(projection)
        arrived, head = await self._arrived()
        ptr = await watch.read(POINTER_TTL_SECONDS)
        if min_position is not None:
            ptr = await watch.reach(min_position, arrived + self.wait_seconds)
            if stopped_before(ptr, min_position):
                assert ptr.stopped is not None
                raise Unavailable(f"read model {projection} is stopped before position {ptr.stopped.get('position')} "
                                  f"({ptr.stopped.get('type')}), an event it cannot fold; it will not reach position "
                                  f"{min_position} until that event is fixed", headers={"Retry-After": "30"},
                                  code="read-model-stopped")
            if ptr.position < min_position:
                raise Unavailable(f"read model {projection} has not reached position {min_position} yet",
                                  headers={"Retry-After": "1"}, code="read-model-behind")
        if head is not None and ptr.position < head:
            ptr = await watch.reach(head, arrived + self.consistency_wait)
            if ptr.position < head and self._request_state is not None:
                noted = self._request_state.get(LAG_STATE_KEY, 0)
                self._request_state[LAG_STATE_KEY] = max(head - ptr.position, noted)
        return self.db[ptr.collection]
