"""MongoDB compatibility: every operation our code relies on, asserted to give the result MongoDB documents.

Tests run against whatever server the session started (the nx-27017 stand-in here, real MongoDB if pointed at one),
so a stand-in that "says ok and stores something else" shows up here as a failing test, not as a wrong dashboard.
An operation that the stand-in gets wrong is marked `stand_in_differs("...")`: `xfail(strict=True)` on the stand-in,
an ordinary test on MongoDB (`MONGO_URL`, see tests/conftest.py); the code must not use it. Each docstring names
the MongoDB manual page (https://www.mongodb.com/docs/manual/...) it follows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

pytestmark = pytest.mark.integration

Db = AsyncDatabase[dict[str, Any]]
Coll = AsyncCollection[dict[str, Any]]

PEOPLE = [
    {"_id": "p1", "name": "Alice", "email": "alice@example.com", "age": 31, "team": "red", "points": 10},
    {"_id": "p2", "name": "bob", "email": "bob@example.com", "age": 25, "team": "blue", "points": 40},
    {"_id": "p3", "name": "ALINA", "email": "alina@example.org", "age": 42, "team": "red", "points": 25},
    {"_id": "p4", "name": "Carol", "email": "carol@example.com", "age": 19, "team": "green", "points": 5},
    {"_id": "p5", "name": "dave", "email": "dave@example.org", "age": 25, "team": "blue", "points": 20},
]


@pytest.fixture
async def people(mongo_db: Db) -> Coll:
    await mongo_db.people.insert_many(PEOPLE)
    return mongo_db.people


def ids(docs: list[dict[str, Any]]) -> list[str]:
    return [d["_id"] for d in docs]


# --- unique indexes and inserts ----------------------------------------------------------------------------------

async def test_unique_index_refuses_a_second_document_with_code_11000(mongo_db: Db) -> None:
    """indexes/index-properties/unique: "A unique index ensures that the indexed fields do not store duplicate
    values"; a violating insert fails with a duplicate key error, code 11000 (reference/error-codes: DuplicateKey).
    The `_id` index is unique on every collection (core/document/#the-_id-field)."""
    await mongo_db.c.create_index("position", unique=True)
    await mongo_db.c.insert_one({"_id": "a", "position": 1})

    with pytest.raises(DuplicateKeyError) as by_field:
        await mongo_db.c.insert_one({"_id": "b", "position": 1})
    with pytest.raises(DuplicateKeyError) as by_id:
        await mongo_db.c.insert_one({"_id": "a", "position": 2})

    assert by_field.value.code == 11000 and by_id.value.code == 11000
    assert await mongo_db.c.count_documents({}) == 1


async def test_compound_unique_index_refuses_only_the_same_combination(mongo_db: Db) -> None:
    """indexes/index-properties/unique (Unique Compound Index): "the unique constraint is enforced on the
    combination of the index key values", so a repeated single field is fine and a repeated pair is not."""
    await mongo_db.c.create_index([("stream", ASCENDING), ("version", ASCENDING)], unique=True)
    await mongo_db.c.insert_one({"stream": "s1", "version": 1})
    await mongo_db.c.insert_one({"stream": "s1", "version": 2})
    await mongo_db.c.insert_one({"stream": "s2", "version": 1})

    with pytest.raises(DuplicateKeyError) as refused:
        await mongo_db.c.insert_one({"stream": "s1", "version": 2})

    assert refused.value.code == 11000
    assert await mongo_db.c.count_documents({}) == 3


async def test_ordered_insert_many_stops_at_the_first_duplicate(mongo_db: Db) -> None:
    """reference/method/db.collection.insertMany (Error Handling): "ordered operations stop after an error, while
    unordered operations continue"; so the documents before the duplicate are inserted and none after it.
    pymongo's BulkWriteError.details carries `nInserted` and `writeErrors` with the failing `index` and code
    11000."""
    await mongo_db.c.create_index("position", unique=True)
    await mongo_db.c.insert_one({"_id": "x", "position": 3})

    with pytest.raises(BulkWriteError) as refused:
        await mongo_db.c.insert_many([{"_id": "a", "position": 1}, {"_id": "b", "position": 2},
                                      {"_id": "c", "position": 3}, {"_id": "d", "position": 4}], ordered=True)

    details = refused.value.details
    assert details["nInserted"] == 2
    assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(2, 11000)]
    assert ids(await mongo_db.c.find().sort("position", ASCENDING).to_list()) == ["a", "b", "x"]
    with pytest.raises(BulkWriteError) as first_refused:
        await mongo_db.c.insert_many([{"_id": "e", "position": 1}, {"_id": "f", "position": 5}], ordered=True)
    assert first_refused.value.details["nInserted"] == 0
    assert await mongo_db.c.count_documents({}) == 3


async def test_a_document_with_an_array_of_subdocuments_round_trips_exactly(mongo_db: Db) -> None:
    """core/document and reference/bson-types: documents nest documents and arrays of any BSON type; a BSON Date
    is milliseconds since the epoch in UTC (reference/bson-types/#date), so microseconds are truncated; pymongo
    with tz_aware=True returns aware datetimes in UTC and converts aware input to UTC."""
    at = datetime(2026, 11, 25, 13, 45, 7, 123987, tzinfo=UTC)
    doc: dict[str, Any] = {"_id": "commit-1", "stream": "Acct-1", "version": 1, "events": [
        {"id": "e1", "type": "Granted", "schema": 2, "data": {"points": 2**40 + 1, "tags": ["a", "b"], "ok": True,
                                                               "note": None, "nested": {"deep": [1, {"x": "y"}]}}},
        {"id": "e2", "type": "Noted", "schema": 1, "data": {"at": at, "flag": False, "count": -7, "empty": {}}},
    ], "at": at, "paris": datetime(2026, 11, 25, 14, 45, 7, 5000, tzinfo=timezone(timedelta(hours=1)))}

    await mongo_db.c.insert_one(doc)
    back = await mongo_db.c.find_one({"_id": "commit-1"})

    ms = at.replace(microsecond=123000)
    expected = {**doc, "at": ms, "paris": datetime(2026, 11, 25, 13, 45, 7, 5000, tzinfo=UTC)}
    expected["events"][1]["data"]["at"] = ms
    assert back == expected
    assert back is not None and back["at"].utcoffset() == timedelta(0)
    assert back["events"][1]["data"]["at"].utcoffset() == timedelta(0)
    data = back["events"][0]["data"], back["events"][1]["data"]
    assert isinstance(data[0]["points"], int) and type(data[0]["ok"]) is bool and type(data[1]["count"]) is int
    assert type(data[1]["flag"]) is bool


# --- queries -------------------------------------------------------------------------------------------------------

async def test_find_with_comparison_and_in_operators(people: Coll) -> None:
    """reference/operator/query/gte, /lt, /in: $gte matches values >= the given one, $lt values < it, $in any of
    the listed values; conditions on one field combine with AND."""
    assert ids(await people.find({"age": {"$gte": 25, "$lt": 42}}).sort("_id", ASCENDING).to_list()) == [
        "p1", "p2", "p5"]
    assert ids(await people.find({"team": {"$in": ["green", "blue"]}}).sort("_id", ASCENDING).to_list()) == [
        "p2", "p4", "p5"]
    assert ids(await people.find({"age": {"$gt": 25, "$lte": 42}}).sort("_id", ASCENDING).to_list()) == ["p1", "p3"]
    assert ids(await people.find({"_id": {"$in": ["p3", "nope"]}}).to_list()) == ["p3"]


async def test_a_cursor_returns_every_document_past_the_first_batch_in_order(mongo_db: Db) -> None:
    """reference/method/db.collection.find and core/cursors (Cursor Batches): a cursor returns its result in
    batches (getMore after the first), in sort order, the limit applying to the whole result."""
    await mongo_db.c.insert_many([{"_id": n, "last": (n * 7919) % 1009} for n in range(1, 1001)])

    lasts = [d["last"] async for d in mongo_db.c.find({"last": {"$gte": 10}}, batch_size=64).sort("last")]
    limited = await mongo_db.c.find({"last": {"$gte": 10}}).sort("last", ASCENDING).limit(700).to_list()

    assert lasts == sorted((n * 7919) % 1009 for n in range(1, 1001) if (n * 7919) % 1009 >= 10)
    assert [d["last"] for d in limited] == lasts[:700]


async def test_find_with_case_insensitive_regex(people: Coll) -> None:
    """reference/operator/query/regex: {$regex: pattern, $options: "i"} matches case-insensitively; a pattern
    without anchors matches anywhere in the string."""
    assert ids(await people.find({"name": {"$regex": "^ali", "$options": "i"}}).sort("_id", ASCENDING)
               .to_list()) == ["p1", "p3"]
    assert ids(await people.find({"name": {"$regex": "^ali"}}).to_list()) == []
    assert ids(await people.find({"email": {"$regex": "EXAMPLE\\.ORG", "$options": "i"}}).sort("_id", ASCENDING)
               .to_list()) == ["p3", "p5"]


async def test_find_sorts_skips_limits_and_projects(people: Coll) -> None:
    """reference/method/cursor.sort, cursor.skip, cursor.limit and tutorial/project-fields-from-query-results:
    sort applies before skip and limit whatever the call order; an inclusion projection returns the named fields
    plus `_id` unless `_id: 0`; an exclusion projection returns all other fields."""
    assert ids(await people.find().sort("points", ASCENDING).to_list()) == ["p4", "p1", "p5", "p3", "p2"]
    assert ids(await people.find().sort("points", DESCENDING).skip(1).limit(2).to_list()) == ["p3", "p5"]
    assert ids(await people.find().limit(2).skip(1).sort([("age", ASCENDING), ("_id", DESCENDING)])
               .to_list()) == ["p5", "p2"]
    assert await people.find({"_id": "p1"}, {"name": 1}).to_list() == [{"_id": "p1", "name": "Alice"}]
    assert await people.find({"_id": "p1"}, {"name": 1, "age": 1, "_id": 0}).to_list() == [
        {"name": "Alice", "age": 31}]
    assert await people.find({"_id": "p1"}, {"email": 0, "team": 0, "points": 0}).to_list() == [
        {"_id": "p1", "name": "Alice", "age": 31}]


async def test_find_one_with_sort_returns_the_first_in_that_order(people: Coll) -> None:
    """reference/method/db.collection.findOne (pymongo find_one accepts find's `sort`): the first document of the
    sorted result, or None when nothing matches."""
    assert (await people.find_one({}, sort=[("points", DESCENDING)]) or {}).get("_id") == "p2"
    assert (await people.find_one({"team": "red"}, {"points": 1}, sort=[("points", ASCENDING)])) == {
        "_id": "p1", "points": 10}
    assert await people.find_one({"team": "purple"}, sort=[("points", ASCENDING)]) is None


async def test_count_documents_with_a_filter(people: Coll) -> None:
    """reference/method/db.collection.countDocuments: the number of documents matching the filter ({} = all)."""
    assert await people.count_documents({}) == 5
    assert await people.count_documents({"team": "blue", "points": {"$gte": 30}}) == 1
    assert await people.count_documents({"team": "purple"}) == 0


async def test_distinct_returns_each_value_once(people: Coll) -> None:
    """reference/method/db.collection.distinct: "Finds the distinct values for a specified field across a single
    collection", optionally restricted by a query; the order is not specified."""
    assert sorted(await people.distinct("team")) == ["blue", "green", "red"]
    assert sorted(await people.distinct("age", {"team": "blue"})) == [25]


# --- updates -------------------------------------------------------------------------------------------------------

async def test_guarded_upsert_creates_the_document_when_absent(mongo_db: Db) -> None:
    """reference/method/db.collection.updateOne (upsert): when no document matches, one is inserted built from the
    filter's equality fields (`_id`) and the update operators; conditions such as $lt are not copied into it."""
    result = await mongo_db.view.update_one({"_id": "u1", "_pos": {"$lt": 5}}, {"$set": {"_pos": 5, "n": 1}},
                                            upsert=True)

    assert (result.matched_count, result.upserted_id) == (0, "u1")
    assert await mongo_db.view.find_one({"_id": "u1"}) == {"_id": "u1", "_pos": 5, "n": 1}


async def test_guarded_upsert_on_an_already_newer_document_raises_duplicate_key(mongo_db: Db) -> None:
    """reference/method/db.collection.updateOne (Upsert; Upsert with Duplicate Values): when the filter matches
    nothing because of the `_pos` condition, the upsert inserts a new document with the filter's `_id` and the
    unique `_id` index refuses it with E11000 (the server retries a duplicate-key upsert only when the filter is
    equality predicates on the unique index's fields, which `_pos: {$lt: n}` is not): a projection sees a
    re-applied event as a duplicate and skips it, and the document is left as it was."""
    await mongo_db.view.insert_one({"_id": "u1", "_pos": 5, "n": 1})

    for position in (5, 3):
        with pytest.raises(DuplicateKeyError) as refused:
            await mongo_db.view.update_one({"_id": "u1", "_pos": {"$lt": position}},
                                           {"$set": {"_pos": position, "n": 99}}, upsert=True)
        assert refused.value.code == 11000

    assert await mongo_db.view.find_one({"_id": "u1"}) == {"_id": "u1", "_pos": 5, "n": 1}


async def test_guarded_upsert_updates_an_older_document(mongo_db: Db) -> None:
    """reference/method/db.collection.updateOne: a matching document is updated in place (matchedCount 1,
    modifiedCount 1, no upsertedId)."""
    await mongo_db.view.insert_one({"_id": "u1", "_pos": 5, "n": 1, "keep": "me"})

    result = await mongo_db.view.update_one({"_id": "u1", "_pos": {"$lt": 6}}, {"$set": {"_pos": 6, "n": 2}},
                                            upsert=True)

    assert (result.matched_count, result.modified_count, result.upserted_id) == (1, 1, None)
    assert await mongo_db.view.find_one({"_id": "u1"}) == {"_id": "u1", "_pos": 6, "n": 2, "keep": "me"}


async def test_set_inc_and_unset(mongo_db: Db) -> None:
    """reference/operator/update/set, /inc, /unset: $set replaces or adds a field; $inc adds to a number and
    creates a missing field with the increment; $unset removes a field (its value is ignored); a missing field to
    $unset is no error."""
    await mongo_db.c.insert_one({"_id": 1, "name": "a", "count": 5, "tmp": True})

    await mongo_db.c.update_one({"_id": 1}, {"$set": {"name": "b", "roles": ["x"]}, "$inc": {"count": -2, "new": 3},
                                             "$unset": {"tmp": "", "absent": ""}})

    assert await mongo_db.c.find_one({"_id": 1}) == {"_id": 1, "name": "b", "count": 3, "roles": ["x"], "new": 3}


async def test_set_of_a_dotted_path_sets_an_embedded_field(mongo_db: Db) -> None:
    """reference/operator/update/set (Set Fields in Embedded Documents): "To specify a <field> in an embedded
    document ... use dot notation"; missing embedded documents are created, siblings are kept."""
    await mongo_db.c.insert_one({"_id": 1, "totals": {"red": 1, "blue": 2}})

    await mongo_db.c.update_one({"_id": 1}, {"$set": {"totals.red": 5, "by.day": 1}, "$inc": {"totals.blue": 1}})

    assert await mongo_db.c.find_one({"_id": 1}) == {"_id": 1, "totals": {"red": 5, "blue": 3}, "by": {"day": 1}}


async def test_max_and_min_change_a_field_only_past_the_current_value(mongo_db: Db) -> None:
    """reference/operator/update/max and /min: $max updates only if the given value is greater than the current
    one, $min only if it is less; either sets a missing field to the given value."""
    await mongo_db.c.insert_one({"_id": 1, "hi": 10, "lo": 10})

    await mongo_db.c.update_one({"_id": 1}, {"$max": {"hi": 7}, "$min": {"lo": 12}})
    assert await mongo_db.c.find_one({"_id": 1}) == {"_id": 1, "hi": 10, "lo": 10}
    await mongo_db.c.update_one({"_id": 1}, {"$max": {"hi": 12, "first": 4}, "$min": {"lo": 3, "least": 9}})
    assert await mongo_db.c.find_one({"_id": 1}) == {"_id": 1, "hi": 12, "lo": 3, "first": 4, "least": 9}


async def test_find_one_and_update_increments_with_upsert_and_returns_the_new_document(mongo_db: Db) -> None:
    """reference/method/db.collection.findOneAndUpdate: with upsert and returnDocument "after" (pymongo
    ReturnDocument.AFTER) it creates a missing document and returns the document as updated."""
    async def next_value() -> dict[str, Any] | None:
        return await mongo_db.counters.find_one_and_update({"_id": "seq"}, {"$inc": {"n": 1}}, upsert=True,
                                                           return_document=ReturnDocument.AFTER)

    assert [await next_value() for _ in range(3)] == [{"_id": "seq", "n": 1}, {"_id": "seq", "n": 2},
                                                      {"_id": "seq", "n": 3}]


async def test_delete_many_removes_every_match(people: Coll) -> None:
    """reference/method/db.collection.deleteMany: removes all documents matching the filter; deletedCount says how
    many."""
    result = await people.delete_many({"team": {"$in": ["red", "green"]}})

    assert result.deleted_count == 3
    assert ids(await people.find().sort("_id", ASCENDING).to_list()) == ["p2", "p5"]


async def test_dropping_a_collection_removes_its_documents_and_indexes(mongo_db: Db) -> None:
    """reference/method/db.collection.drop: "Removes a collection ... from the database" and "also removes any
    indexes associated with the dropped collection"; it no longer appears in listCollections."""
    await mongo_db.rebuilt.create_index("email", unique=True)
    await mongo_db.rebuilt.insert_one({"_id": 1, "email": "a@example.com"})
    await mongo_db.other.insert_one({"_id": 1})

    await mongo_db.drop_collection("rebuilt")

    assert "rebuilt" not in await mongo_db.list_collection_names()
    assert await mongo_db.rebuilt.count_documents({}) == 0
    await mongo_db.rebuilt.insert_one({"_id": 1, "email": "a@example.com"})
    await mongo_db.rebuilt.insert_one({"_id": 2, "email": "a@example.com"})  # the unique index went with it
    assert await mongo_db.other.count_documents({}) == 1


async def test_list_collection_names_lists_the_collections_that_exist(mongo_db: Db) -> None:
    """reference/method/db.getCollectionNames (listCollections): a collection exists once a document is inserted
    into it or it is created explicitly; the order is not specified."""
    await mongo_db.alpha.insert_one({"_id": 1})
    await mongo_db.create_collection("beta")

    assert sorted(await mongo_db.list_collection_names()) == ["alpha", "beta"]


# --- aggregation ---------------------------------------------------------------------------------------------------

async def test_aggregate_match_group_sort_project(people: Coll) -> None:
    """reference/operator/aggregation/match, /group ($sum, $avg, $min, $max accumulators), /sort, /project:
    {$sum: 1} counts documents; $avg of integers is a double; $project can rename `_id` and drop it."""
    pipeline: list[dict[str, Any]] = [
        {"$match": {"age": {"$gte": 20}}},
        {"$group": {"_id": "$team", "n": {"$sum": 1}, "points": {"$sum": "$points"}, "avgAge": {"$avg": "$age"},
                    "youngest": {"$min": "$age"}, "oldest": {"$max": "$age"}}},
        {"$sort": {"points": DESCENDING}},
        {"$project": {"_id": 0, "team": "$_id", "n": 1, "points": 1, "avgAge": 1, "youngest": 1, "oldest": 1}},
    ]

    rows = await (await people.aggregate(pipeline)).to_list()

    assert rows == [
        {"team": "blue", "n": 2, "points": 60, "avgAge": 25.0, "youngest": 25, "oldest": 25},
        {"team": "red", "n": 2, "points": 35, "avgAge": 36.5, "youngest": 31, "oldest": 42},
    ]
    assert isinstance(rows[0]["avgAge"], float)


async def test_aggregate_group_by_null_totals_the_whole_collection(people: Coll) -> None:
    """reference/operator/aggregation/group (Group by null): `_id: null` groups all input documents into one."""
    rows = await (await people.aggregate([{"$group": {"_id": None, "total": {"$sum": "$points"}}}])).to_list()

    assert rows == [{"_id": None, "total": 100}]


async def test_aggregate_group_of_nothing_returns_no_document(people: Coll) -> None:
    """reference/operator/aggregation/group: $group outputs one document per distinct group key found in its
    input, so an empty input gives no document, even for `_id: null` (that is what $count is documented as)."""
    rows = await (await people.aggregate([{"$match": {"team": "purple"}},
                                          {"$group": {"_id": None, "total": {"$sum": "$points"}}}])).to_list()

    assert rows == []


async def test_aggregate_count(people: Coll) -> None:
    """reference/operator/aggregation/count: "Passes a document to the next stage that contains a count of the
    number of documents input to the stage", under the given field name."""
    rows = await (await people.aggregate([{"$match": {"team": "blue"}}, {"$count": "n"}])).to_list()

    assert rows == [{"n": 2}]


@pytest.mark.stand_in_differs("$count over an empty input returns [{'n': 0}], MongoDB returns no document; "
                               "code must treat a missing row as 0 and not rely on either")
async def test_aggregate_count_of_nothing_returns_no_document(people: Coll) -> None:
    """reference/operator/aggregation/count (Behavior): "If the input dataset is empty, $count doesn't return a
    result." So code must read a missing row as 0."""
    rows = await (await people.aggregate([{"$match": {"team": "purple"}}, {"$count": "n"}])).to_list()

    assert rows == []


# --- indexes and pointers ------------------------------------------------------------------------------------------

async def test_ttl_index_is_accepted_and_listed(mongo_db: Db) -> None:
    """core/index-ttl: create_index(field, expireAfterSeconds=N) makes a TTL index; listIndexes reports its key
    and `expireAfterSeconds`. (Expiry itself runs every 60 s in MongoDB and is not asserted here.)"""
    await mongo_db.idem.create_index("createdAt", expireAfterSeconds=86_400)

    indexes = [index async for index in await mongo_db.idem.list_indexes()]

    ttl = [i for i in indexes if dict(i["key"]) == {"createdAt": 1}]
    assert len(ttl) == 1 and ttl[0]["expireAfterSeconds"] == 86_400
    assert any(dict(i["key"]) == {"_id": 1} for i in indexes)


async def test_pointer_document_switches_the_live_collection(mongo_db: Db) -> None:
    """A read model is rebuilt into a new collection and switched by a pointer document (renameCollection is not
    used): update_one({_id}, {$set: {collection}}, upsert=True) (reference/method/db.collection.updateOne) then
    find_one gives the new name, and reads follow it."""
    await mongo_db.users_v1.insert_one({"_id": "u", "email": "old@example.com"})
    await mongo_db.users_v2.insert_one({"_id": "u", "email": "new@example.com"})

    async def live() -> Coll:
        pointer = await mongo_db.read_models.find_one({"_id": "users"})
        assert pointer is not None
        return mongo_db[pointer["collection"]]

    await mongo_db.read_models.update_one({"_id": "users"}, {"$set": {"collection": "users_v1"}}, upsert=True)
    assert (await (await live()).find_one({"_id": "u"}) or {}).get("email") == "old@example.com"
    await mongo_db.read_models.update_one({"_id": "users"}, {"$set": {"collection": "users_v2"}}, upsert=True)
    assert (await (await live()).find_one({"_id": "u"}) or {}).get("email") == "new@example.com"
    assert await mongo_db.read_models.count_documents({}) == 1


# --- datetimes written by updates ----------------------------------------------------------------------------------

@pytest.mark.stand_in_differs("$set of a datetime on an existing document stores the string "
                               "'2026-11-25 10:00:00.123000' (find_one_and_update: always); read models therefore "
                               "keep times as ISO strings (domain.clock.iso)")
async def test_set_of_a_datetime_on_an_existing_document_keeps_a_datetime(mongo_db: Db) -> None:
    """reference/operator/update/set: "$set replaces the value of a field with the specified value"; a BSON date
    stays a date (reference/bson-types/#date)."""
    at = datetime(2026, 11, 25, 10, 0, 0, 123000, tzinfo=UTC)
    await mongo_db.c.insert_one({"_id": "d"})
    await mongo_db.c.update_one({"_id": "d"}, {"$set": {"at": at}})

    doc = await mongo_db.c.find_one({"_id": "d"})
    assert doc is not None and doc["at"] == at


async def test_iso_strings_for_times_sort_and_range_compare_like_the_instants(mongo_db: Db) -> None:
    """What read models use instead: fixed-width ISO-8601 UTC strings compare as strings in the order of the
    instants they name (reference/bson-type-comparison-order: strings compare by code point)."""
    from domain.clock import iso

    base = datetime(2026, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)
    times = [base + timedelta(milliseconds=step) for step in (5, -3_600_000, 1, 86_400_000, 0)]
    await mongo_db.c.insert_many([{"_id": str(i), "t": "x"} for i in range(len(times))])
    for i, at in enumerate(times):
        await mongo_db.c.update_one({"_id": str(i)}, {"$set": {"t": iso(at)}})

    ordered = [d["_id"] async for d in mongo_db.c.find().sort("t", ASCENDING)]
    assert ordered == [str(i) for i in sorted(range(len(times)), key=lambda i: times[i])]
    in_range = await mongo_db.c.count_documents({"t": {"$gte": iso(base), "$lt": iso(base + timedelta(days=1))}})
    assert in_range == 3


# --- what the dashboards rely on (projections/dashboard.py, counts.apply_moves) -----------------------------------

async def test_a_string_range_on_id_lists_exactly_the_keys_between_in_order(mongo_db: Db) -> None:
    """reference/operator/query/gte, /lte on `_id`: strings compare by code point, so bucket keys of one
    granularity (`d:2026-11-25`) are a range, and another granularity's prefix (`h:`, `w:`) is outside it."""
    keys = ["d:2026-11-24", "d:2026-11-25", "d:2026-11-26", "h:2026-11-25T10", "totals", "w:2026-11-23"]
    await mongo_db.c.insert_many([{"_id": k} for k in reversed(keys)])
    found = await mongo_db.c.find({"_id": {"$gte": "d:2026-11-25", "$lte": "d:2026-11-30"}}).sort("_id").to_list()
    assert ids(found) == ["d:2026-11-25", "d:2026-11-26"]


async def test_unordered_bulk_of_guarded_upserts_applies_the_others_and_reports_the_stale_one(mongo_db: Db) -> None:
    """reference/method/db.collection.bulkWrite (ordered: false): every write is attempted; a guarded upsert whose
    document exists with `_pos` at or past the guard fails with 11000 at its index; `$inc` of several fields
    (names with ':' and digits) creates or adds each."""
    await mongo_db.c.insert_one({"_id": "old", "_pos": 9, "n": 1})
    writes = [UpdateOne({"_id": "old", "_pos": {"$lt": 5}}, {"$inc": {"n": 1}, "$set": {"_pos": 5}}, upsert=True),
              UpdateOne({"_id": "new", "_pos": {"$lt": 5}},
                        {"$inc": {"events:ACTIVE": 2, "ttd0": 1, "decisionMs": 3_000_000_000}, "$set": {"_pos": 6}},
                        upsert=True)]
    with pytest.raises(BulkWriteError) as raised:
        await mongo_db.c.bulk_write(writes, ordered=False)
    assert [(e["index"], e["code"]) for e in raised.value.details["writeErrors"]] == [(0, 11000)]
    assert await mongo_db.c.find_one({"_id": "old"}) == {"_id": "old", "_pos": 9, "n": 1}
    assert await mongo_db.c.find_one({"_id": "new"}) == {"_id": "new", "_pos": 6, "events:ACTIVE": 2, "ttd0": 1,
                                                         "decisionMs": 3_000_000_000}
