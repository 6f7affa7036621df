"""The audit's folded totals (projections/audit_counts.py + commands/store/audit.py) on the real stand-in: for
filters of `type` and/or `from`/`to`, the total equals a plain count over every stored event (and the page holds
the newest of them), whatever the
recorded times and the range (edges inside buckets and exactly on second, minute, hour and day boundaries), and a
page never disagrees with its total while writes land meanwhile."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.store.audit import COMMITS, AuditFilter, AuditLog, AuditPage
from commands.store.base import NewCommit
from commands.store.mapper import commit_to_doc, event_to_doc
from commands.store.mongo import MongoEventStore
from domain.events import DomainEvent
from domain.user import LoginFailed, UserLoggedIn, UserRolesChanged
from projections import audit_counts, counts
from projections.audit_counts import AuditCountsProjection
from projections.pointers import Pointer, load_pointer
from projections.runner import ProjectionRunner

pytestmark = pytest.mark.integration
BASE = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)  # two hours before a day boundary
SPAN_MS = 4 * 3_600_000
TYPES = ("LoginFailed", "UserLoggedIn", "UserRolesChanged")
#: Instants on and next to the boundaries of every bucket size, so edges fall on them as well as inside.
BOUNDARIES = sorted({b + d for b in (0, 999, 1_000, 59_000, 60_000, 3_540_000, 3_600_000, 7_200_000, 7_201_000,
                                     10_800_000) for d in (-1, 0, 1) if 0 <= b + d < SPAN_MS})
instants = st.one_of(st.integers(0, SPAN_MS - 1), st.sampled_from(BOUNDARIES))


def event(kind: str, user: str, at: datetime) -> DomainEvent:
    if kind == "LoginFailed":
        return LoginFailed(user_id=user, failed_at=at)
    if kind == "UserLoggedIn":
        return UserLoggedIn(user_id=user, logged_in_at=at)
    return UserRolesChanged(user_id=user, roles=["ADMIN"], previous_roles=["USER"])


def ms(offset: int) -> datetime:
    return BASE + timedelta(milliseconds=offset)


async def folded_page(db: Any, store: MongoEventStore, f: AuditFilter, page: int = 1, limit: int = 5) -> Any:
    """Fold the counters to the store's head, then answer as the gateway does: up to their folded position."""
    await ProjectionRunner(db, store, AuditCountsProjection()).catch_up()
    ptr = await load_pointer(db, AuditCountsProjection.name)
    return await snapshot(db, ptr, f, page, limit)


async def snapshot(db: Any, ptr: Pointer, f: AuditFilter, page: int = 1, limit: int = 5) -> AuditPage | None:
    """The page and total up to the counters' folded position `ptr`, as gateway/controllers/audit.py composes
    them; None when the counters are a batch ahead of the pointer (the gateway then reads the pointer again)."""
    log = AuditLog(db)
    found = await audit_counts.folded(counts.counters(db[ptr.collection]), f.type, *f.span_ms(), ptr.position)
    if found is None:
        return None
    return await log.page(f, page, limit, ptr.position, found[0] + await log.count_in(found[1], f.type, ptr.position))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=st.lists(st.tuples(instants, st.lists(st.sampled_from(TYPES), min_size=1, max_size=3)),
                        min_size=1, max_size=40),
       ranges=st.lists(st.tuples(st.one_of(st.none(), instants), st.one_of(st.none(), instants),
                                 st.one_of(st.none(), st.sampled_from(TYPES))), min_size=1, max_size=6))
async def test_folded_totals_equal_a_plain_count_of_the_stored_events(mongo_db, history, ranges) -> None:
    db = mongo_db.client[f"a{uuid.uuid4().hex[:12]}"]
    store = MongoEventStore(db)
    try:
        await store.ensure_indexes()
        stored: list[tuple[int, str, int]] = []  # (recorded offset, type, position) of every event
        position = 1
        # Recorded times follow positions, as the store stamps them (a page of a range starts from the first commit
        # recorded a second after its end: commands/store/audit.py `_SKEW_MS`); totals would hold in any order.
        for n, (offset, kinds) in enumerate(sorted(history)):
            events = [event_to_doc(event(kind, f"u{n}", ms(offset)), uuid.uuid4().hex) for kind in kinds]
            await db[COMMITS].insert_one(commit_to_doc(f"User-u{n}", 1, position, events, uuid.uuid4().hex, None,
                                                       None, None, None, ms(offset)))
            position += len(events)
            stored += [(offset, kind, position - len(kinds) + i) for i, kind in enumerate(kinds)]
        for since, until, kind in ranges:
            if since is not None and until is not None and since > until:
                since, until = until, since
            if since is None and until is None and kind is None:
                continue  # no filter: the head, not the counters
            f = AuditFilter(type=kind, since=None if since is None else ms(since),
                            until=None if until is None else ms(until))
            expected = sorted((p for at, k, p in stored if (kind is None or k == kind)
                               and (since is None or at >= since) and (until is None or at <= until)), reverse=True)
            found = await folded_page(db, store, f)
            assert (found.total, [e.position for e in found.items]) == (len(expected), expected[:5]), (since, until)
    finally:
        await store.close()
        await mongo_db.client.drop_database(db.name)


async def test_a_page_and_its_total_agree_while_writes_land(mongo_db) -> None:
    """Appends go on while pages are asked for; each answer's total is the events up to the counters' folded
    position, and its items are exactly the newest of those."""
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    stop = asyncio.Event()

    async def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            await store.append(NewCommit(f"User-w{n}", 0, [LoginFailed(user_id=f"w{n}", failed_at=BASE)]))

    async def fold() -> None:
        runner = ProjectionRunner(mongo_db, store, AuditCountsProjection())
        while not stop.is_set():
            await runner.catch_up()
            await asyncio.sleep(0.005)

    tasks = [asyncio.create_task(write()), asyncio.create_task(fold())]
    try:
        answers = 0
        while answers < 25:
            ptr = await load_pointer(mongo_db, AuditCountsProjection.name)
            found = await snapshot(mongo_db, ptr, AuditFilter(type="LoginFailed", since=BASE - timedelta(days=1)),
                                   1, 3)
            if found is None:  # a batch folded, its pointer not saved yet: the gateway asks again, as here
                continue
            answers += 1
            assert found.total == ptr.position  # every event is a LoginFailed, one per commit
            assert [e.position for e in found.items] == list(range(ptr.position, max(0, ptr.position - 3), -1))
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        await store.close()
