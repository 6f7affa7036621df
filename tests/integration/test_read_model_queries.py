"""The query and write forms the events, rewards and user_facts read models rely on, asserted to give MongoDB's
documented result on whatever server the session runs (see test_mongo_compat.py) - and the forms found wrong on
the stand-in, marked `stand_in_differs` (a strict xfail on the stand-in only) so the code keeps avoiding them and a
fixed stand-in shows up."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo import InsertOne, UpdateOne
from pymongo.errors import BulkWriteError

pytestmark = pytest.mark.integration
NOW = "2026-11-25T00:00:00.000Z"
OPEN = "9999-12-31T23:59:59.999Z"
EVENTS = [
    {"_id": "open", "periodStart": "2026-11-24T00:00:00.000Z", "periodEnd": None, "periodEndKey": OPEN,
     "status": "ACTIVE", "name": "Open (now)"},
    {"_id": "future", "periodStart": "2026-11-27T00:00:00.000Z", "periodEnd": "2026-11-28T00:00:00.000Z",
     "periodEndKey": "2026-11-28T00:00:00.000Z", "status": "ACTIVE", "name": "Future"},
    {"_id": "past", "periodStart": "2026-11-20T00:00:00.000Z", "periodEnd": "2026-11-21T00:00:00.000Z",
     "periodEndKey": "2026-11-21T00:00:00.000Z", "status": "INACTIVE", "name": "Past"},
    {"_id": "quiet", "periodStart": "2026-11-24T00:00:00.000Z", "periodEnd": "2026-11-26T00:00:00.000Z",
     "periodEndKey": "2026-11-26T00:00:00.000Z", "status": "INACTIVE", "name": "Quiet open"},
]
IN_PERIOD = [{"periodStart": {"$lte": NOW}}, {"periodEndKey": {"$gt": NOW}}]
OUT_OF_PERIOD = {"$or": [{"periodStart": {"$gt": NOW}}, {"periodEndKey": {"$lte": NOW}}]}


@pytest.fixture
async def events(mongo_db: Any) -> Any:
    for field in ("status", "periodStart", "periodEndKey"):
        await mongo_db.events.create_index(field)
    await mongo_db.events.insert_many(EVENTS)
    return mongo_db.events


async def found(coll: Any, query: dict[str, Any]) -> tuple[list[str], int]:
    ids = sorted(d["_id"] for d in await coll.find(query).to_list())
    return ids, await coll.count_documents(query)


@pytest.mark.parametrize(("query", "expected"), [
    ({"$and": IN_PERIOD}, ["open", "quiet"]),
    ({"$and": [*IN_PERIOD, {"status": "ACTIVE"}]}, ["open"]),
    ({"$and": [*IN_PERIOD, {"name": {"$regex": "n \\(", "$options": "i"}}]}, ["open"]),
    (OUT_OF_PERIOD, ["future", "past"]),
    ({"$and": [{"status": "ACTIVE"}, OUT_OF_PERIOD]}, ["future"]),
    ({"$and": [{"name": {"$regex": "OPEN", "$options": "i"}}, {"status": "INACTIVE"}]}, ["quiet"]),
])
async def test_the_event_listing_filters_find_and_count_alike(events: Any, query: dict[str, Any],
                                                              expected: list[str]) -> None:
    """reference/operator/query/and, /or, /lte, /gt, /regex: every clause of an `$and` holds; `$or` needs one."""
    assert await found(events, query) == (expected, len(expected))


@pytest.mark.stand_in_differs("a field beside a top-level $or is ignored by find")
async def test_a_field_beside_a_top_level_or(events: Any) -> None:
    """reference/operator/query/or: the top-level fields and the `$or` are ANDed."""
    assert await found(events, {"status": "ACTIVE", **OUT_OF_PERIOD}) == (["future"], 1)


@pytest.mark.stand_in_differs("count_documents of {field: null} is 0")
async def test_counting_null_equality(events: Any) -> None:
    """reference/operator/query/eq (null): `{field: null}` matches null or missing fields."""
    assert await found(events, {"periodEnd": None}) == (["open"], 1)


@pytest.mark.stand_in_differs("$not is not implemented (an error)")
async def test_not(events: Any) -> None:
    """reference/operator/query/not: documents where the operator expression fails."""
    assert await found(events, {"periodStart": {"$not": {"$lte": NOW}}}) == (["future"], 1)


async def test_boolean_equality_finds_and_counts_alike(mongo_db: Any) -> None:
    await mongo_db.er.insert_many([{"_id": "a", "eventId": "e1", "detached": False},
                                   {"_id": "b", "eventId": "e1", "detached": True},
                                   {"_id": "c", "eventId": "e2", "detached": False}])
    assert await found(mongo_db.er, {"eventId": "e1", "detached": False}) == (["a"], 1)


async def test_unordered_bulk_write_applies_what_it_can_and_reports_the_rest(mongo_db: Any) -> None:
    """reference/method/db.collection.bulkWrite (ordered: false): every operation is attempted; a guarded update
    whose filter matches nothing is not an error (nMatched tells), a duplicate insert is a write error."""
    await mongo_db.f.insert_one({"_id": "u1", "_pos": 5})
    ok = await mongo_db.f.bulk_write([InsertOne({"_id": "u2", "_pos": 7}),
                                      UpdateOne({"_id": "u1", "_pos": 5}, {"$set": {"_pos": 9, "v": [["d", 1]]}})],
                                     ordered=False)
    assert (ok.inserted_count, ok.matched_count) == (1, 1)
    with pytest.raises(BulkWriteError) as caught:
        await mongo_db.f.bulk_write([InsertOne({"_id": "u2", "_pos": 8}),
                                     UpdateOne({"_id": "u1", "_pos": 5}, {"$set": {"_pos": 10}}),
                                     InsertOne({"_id": "u3", "_pos": 8})], ordered=False)
    assert caught.value.details["nInserted"] == 1 and caught.value.details["nMatched"] == 0
    assert [(d["_id"], d["_pos"]) async for d in mongo_db.f.find().sort("_id", 1)] == [
        ("u1", 9), ("u2", 7), ("u3", 8)]
    assert (await mongo_db.f.find_one({"_id": "u1"}))["v"] == [["d", 1]]  # arrays of arrays round-trip


async def test_a_projection_returns_only_the_asked_fields_in_batches(mongo_db: Any) -> None:
    await mongo_db.uf.insert_many([{"_id": f"u{n:03d}", "loginDates": ["2026-11-24"], "levels": [], "x": n}
                                   for n in range(300)])
    cursor = mongo_db.uf.find({}, {"loginDates": 1}, batch_size=128)
    first = await cursor.to_list(128)
    rest = await cursor.to_list(1000)
    assert len(first) == 128 and len(rest) == 172
    assert first[0] == {"_id": first[0]["_id"], "loginDates": ["2026-11-24"]}
