"""The store's audit keys (commands/store/audit.py) on the real stand-in: every commit gets `userId`, `eventId` and
`type` at append time (MIXED when its events disagree), filters match exactly event by event even in mixed commits,
totals are exact, and commits written before the keys existed get them from a resumable, once-only backfill."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.store.audit import BACKFILL_ID, META, AuditFilter, AuditLog, backfill_keys
from commands.store.base import NewCommit
from commands.store.mapper import MIXED, commit_to_doc, event_to_doc
from commands.store.mongo import COMMITS, MongoEventStore
from domain.reward_request import RewardRequestRejected
from domain.user import LoginFailed, UserLoggedIn, UserRolesChanged

pytestmark = pytest.mark.integration
AT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def rejected(promotion: str, user: str) -> RewardRequestRejected:
    return RewardRequestRejected(request_id=uuid.uuid4().hex, promotion_id=promotion, reward_id="r1", user_id=user,
                                 decided_by=None, reason="REWARD_DETACHED", decided_at=AT)


@pytest.fixture
async def store(mongo_db: Any) -> Any:
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    yield store
    await store.close()


async def keys_of(mongo_db: Any) -> list[tuple[Any, ...]]:
    docs = await mongo_db[COMMITS].find({}).sort("position", 1).to_list()
    return [(d["stream"], d.get("userId"), d.get("eventId"), d.get("type")) for d in docs]


async def test_each_commit_gets_its_keys_and_mixed_commits_are_matched_event_by_event(store, mongo_db) -> None:
    await store.append(NewCommit("User-u1", 0, [UserLoggedIn(user_id="u1", logged_in_at=AT),
                                                LoginFailed(user_id="u1", failed_at=AT)]))
    await store.append(NewCommit("Event-p1", 0, [rejected("p1", "u1"), rejected("p1", "u2"), rejected("p1", "u2")]))
    await store.append(NewCommit("User-u2", 0, [UserRolesChanged(user_id="u2", roles=["ADMIN"],
                                                                 previous_roles=["USER"])]))
    assert await keys_of(mongo_db) == [("User-u1", "u1", None, MIXED),
                                       ("Event-p1", MIXED, "p1", "RewardRequestRejected"),
                                       ("User-u2", "u2", None, "UserRolesChanged")]
    log = AuditLog(mongo_db)
    u2 = await log.page(AuditFilter(user_id="u2"), 1, 10)
    assert [(e.stream_id, e.type, e.position) for e in u2.items] == [
        ("User-u2", "UserRolesChanged", 6), ("Event-p1", "RewardRequestRejected", 5),
        ("Event-p1", "RewardRequestRejected", 4)] and u2.total == 3
    u1 = await log.page(AuditFilter(user_id="u1", event_id="p1"), 1, 10)
    assert [e.position for e in u1.items] == [3] and u1.total == 1
    failed = await log.page(AuditFilter(type="LoginFailed"), 1, 10)
    assert [e.position for e in failed.items] == [2] and failed.total == 1
    assert (await log.page(AuditFilter(), 2, 4)).items[0].position == 2


async def test_the_backfill_gives_old_commits_their_keys_once_and_resumes(store, mongo_db) -> None:
    commits = mongo_db[COMMITS]
    for n, user in enumerate(["a", "b", "c", "d", "e"], start=1):
        doc = commit_to_doc(f"User-{user}", 1, n, [event_to_doc(LoginFailed(user_id=user, failed_at=AT), f"e{n}")],
                            f"c{n}", None, None, None, None, AT)
        old = {k: v for k, v in doc.items() if k not in ("userId", "eventId", "type", "atMs")}  # as before
        await commits.insert_one(old)
    await mongo_db[META].delete_many({})
    await mongo_db[META].insert_one({"_id": BACKFILL_ID, "after": 2})  # an earlier run stopped after position 2

    assert await backfill_keys(mongo_db, page_size=2) == 3
    assert [k[1] for k in await keys_of(mongo_db)] == [None, None, "c", "d", "e"]  # resumed where it stopped
    assert (await mongo_db[META].find_one({"_id": BACKFILL_ID}))["done"]  # the stand-in stores True as 1
    await mongo_db[META].update_one({"_id": BACKFILL_ID}, {"$set": {"after": 0, "done": False}})
    assert await backfill_keys(mongo_db, page_size=2) == 2  # from the start: only the ones still without keys
    assert await keys_of(mongo_db) == [(f"User-{u}", u, None, "LoginFailed") for u in "abcde"]
    assert [d["atMs"] for d in await mongo_db[COMMITS].find({}).to_list()] == [1795600800000] * 5  # AT, in ms
    assert await backfill_keys(mongo_db) == 0  # done: later starts skip it
    page = await AuditLog(mongo_db).page(AuditFilter(user_id="b"), 1, 10)
    assert [e.event_id for e in page.items] == ["e2"] and page.total == 1


users = st.sampled_from(["u1", "u2", "u3"])
commit_shapes = st.lists(st.tuples(st.sampled_from(["User", "Event"]), st.lists(users, min_size=1, max_size=3)),
                         min_size=1, max_size=8)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shapes=commit_shapes, user=users, limit=st.integers(1, 4))
async def test_filtered_pages_and_totals_equal_a_plain_filter_over_all_events(mongo_db, shapes, user, limit) -> None:
    await mongo_db[COMMITS].delete_many({})
    store = MongoEventStore(mongo_db)
    for n, (kind, members) in enumerate(shapes):
        if kind == "User":
            events: list[Any] = [LoginFailed(user_id=members[0], failed_at=AT)] * len(members)
            stream = f"User-{members[0]}"
        else:
            events, stream = [rejected(f"p{n}", m) for m in members], f"Event-p{n}"
        version = len(await store.read_stream(stream))
        await store.append(NewCommit(stream, version, events))
    everything = await store.read_all(1, limit=10_000)
    about = [e for e in reversed(everything) if getattr(e.event, "user_id", None) == user]
    log, seen, page = AuditLog(mongo_db), [], 1
    while found := await log.page(AuditFilter(user_id=user), page, limit):
        assert found.total == len(about)
        if not found.items:
            break
        seen += [e.event_id for e in found.items]
        page += 1
    assert seen == [e.event_id for e in about]
    await store.close()
