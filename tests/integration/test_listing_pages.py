"""A listing's page and `total` (projections/paging.py), as the store answers them, equal the same filter applied to
the documents by hand: whatever the events are, whichever filters and page are asked. The events listing is the one
with every kind of filter (equality, substring, a period range, and the outside of a period asked as two sides)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from domain.clock import epoch_ms
from domain.promotion_events import PromotionStatus
from projections.events import (
    NEWEST_FIRST,
    EventFilters,
    EventsProjection,
    in_period_total,
    newest_key,
    period_keys,
)
from projections.paging import Paging, count, page_of_union

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
NAMES = ["Spring Sale", "spring.sale", "Summer", "WINTER sale", "Autumn"]

event_docs = st.lists(st.tuples(
    st.integers(0, 6),  # createdAt, minutes after NOW - 1 day: ties on purpose (the sort ends on _id)
    st.sampled_from(list(PromotionStatus)), st.sampled_from(NAMES),
    st.integers(-3, 3),  # period start, days from NOW
    st.one_of(st.none(), st.integers(1, 4)),  # period length in days, or open-ended
), max_size=25)
filters = st.builds(EventFilters, st.one_of(st.none(), st.sampled_from(list(PromotionStatus))),
                    st.sampled_from([None, "", "sale", "SPRING.", "er"]), st.sampled_from([None, True, False]))


def document(n: int, spec: tuple[Any, ...]) -> dict[str, Any]:
    created, status, name, start_days, days = spec
    start = NOW + timedelta(days=start_days)
    end = None if days is None else start + timedelta(days=days)
    created_at = NOW - timedelta(days=1, minutes=-created)
    return {"_id": f"e{n:03d}", "createdAt": created_at.isoformat(), "newest": newest_key(created_at, f"e{n:03d}"),
            "status": str(status), "name": name, **period_keys(start, end)}


def matches(doc: dict[str, Any], f: EventFilters) -> bool:
    """The listing's filters, as SPEC and projections/events.py describe them, by hand."""
    now = epoch_ms(NOW)
    inside = doc["periodStartMs"] <= now < doc["periodEndMs"]
    return ((f.status is None or doc["status"] == str(f.status))
            and (not f.name or f.name.lower() in doc["name"].lower())
            and (f.in_period is None or f.in_period == inside))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=event_docs, wanted=filters, page=st.integers(1, 4), limit=st.integers(1, 7))
@example(specs=[(0, PromotionStatus.ACTIVE, "Summer", -3, 1), (1, PromotionStatus.ACTIVE, "Summer", -1, None),
                (1, PromotionStatus.INACTIVE, "Autumn", 2, 1)], wanted=EventFilters(in_period=True), page=1, limit=5)
async def test_a_page_and_its_total_are_the_filter_applied_by_hand(mongo_db, specs, wanted, page, limit) -> None:
    coll = mongo_db[f"ev{uuid.uuid4().hex[:10]}"]
    try:
        await EventsProjection().create_indexes(coll)
        docs = [document(n, spec) for n, spec in enumerate(specs)]
        if docs:
            await coll.insert_many(docs)
        expected = sorted((d for d in docs if matches(d, wanted)), key=lambda d: d["_id"])
        expected.sort(key=lambda d: d["createdAt"], reverse=True)  # NEWEST_FIRST: createdAt desc, then _id asc

        answer = await page_of_union(coll, wanted.queries(NOW), NEWEST_FIRST, Paging(page, limit), lambda d: d)

        skip = (page - 1) * limit
        assert [item["_id"] for item in answer["items"]] == [d["_id"] for d in expected[skip:skip + limit]]
        assert (answer["total"], answer["page"], answer["limit"]) == (len(expected), page, limit)
        assert sum([await count(coll, q) for q in wanted.queries(NOW)]) == len(expected)
        if wanted.in_period is True:  # the listing counts it as started less ended
            assert await in_period_total(coll, wanted, NOW) == len(expected)
    finally:
        await coll.drop()


async def test_events_folded_before_the_period_keys_get_them_when_a_runner_opens_the_collection(mongo_db) -> None:
    """A read model folded by an older version has ISO periods only; `inPeriod` must still see its events."""
    coll = mongo_db[f"ev{uuid.uuid4().hex[:10]}"]
    old = [{"_id": "now", "periodStart": "2026-11-30T00:00:00.000Z", "periodEnd": None, "_pos": 3},
           {"_id": "ended", "periodStart": "2026-11-01T00:00:00.000Z", "periodEnd": "2026-11-02T00:00:00.000Z",
            "_pos": 4}]
    await coll.insert_many([{**doc, "createdAt": "2026-11-01T00:00:00.000Z", "status": "ACTIVE"} for doc in old])

    await EventsProjection().create_indexes(coll)

    async def listed(in_period: bool) -> list[str]:
        page = await page_of_union(coll, EventFilters(in_period=in_period).queries(NOW), NEWEST_FIRST,
                                   Paging(1, 20), lambda d: d)
        return [doc["_id"] for doc in page["items"]]

    assert (await listed(True), await listed(False)) == (["now"], ["ended"])
    assert [(d["_pos"], d["periodEndMs"]) async for d in coll.find().sort("_id", 1)] == [
        (4, epoch_ms(datetime(2026, 11, 2, tzinfo=UTC))), (3, 253_402_300_799_999)]
    await coll.drop()
