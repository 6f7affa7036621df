"""What the read models ask the store (projections/): the event listing's filters, and the condition preview's
evaluation in slices giving the same answer as in one pass."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from domain.clock import epoch_ms
from domain.conditions import parse_condition
from domain.promotion_events import PromotionStatus
from domain.reward_request import RequestStatus
from projections.eligibility import Preview, evaluate_docs
from projections.events import OPEN_END_MS, EventFilters, period_keys
from projections.paging import in_order
from projections.reward_requests import RequestFilters

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
NOW_MS = 1_796_126_400_000  # 2026-12-01T12:00:00.000Z


def test_no_filter_is_everything_and_one_filter_is_itself() -> None:
    assert EventFilters().queries(NOW) == [{}]
    assert EventFilters(status=PromotionStatus.ACTIVE).queries(NOW) == [{"status": "ACTIVE"}]


def test_filters_sit_side_by_side_and_the_outside_of_a_period_is_asked_as_its_two_sides() -> None:
    """No explicit `$and` and no `$or` (the stand-in answers either in Python); periods compare as epoch ms."""
    name = {"name": {"$regex": r"a\.b", "$options": "i"}}
    assert EventFilters(PromotionStatus.INACTIVE, "a.b", in_period=False).queries(NOW) == [
        {"status": "INACTIVE", **name, "periodStartMs": {"$gt": NOW_MS}},
        {"status": "INACTIVE", **name, "periodEndMs": {"$lte": NOW_MS}}]
    assert EventFilters(in_period=True).queries(NOW) == [
        {"periodStartMs": {"$lte": NOW_MS}, "periodEndMs": {"$gt": NOW_MS}}]


def test_period_keys_are_epoch_milliseconds_and_an_open_end_is_the_last_instant() -> None:
    assert period_keys(NOW, None) == {"periodStartMs": NOW_MS, "periodEndMs": OPEN_END_MS}
    assert epoch_ms(datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)) == OPEN_END_MS
    assert epoch_ms(datetime(1970, 1, 1, 0, 0, 1, 500, tzinfo=UTC)) == 1000  # whole milliseconds


def test_request_filters_sit_side_by_side() -> None:
    assert RequestFilters().query() == {}
    assert RequestFilters("e1", None, RequestStatus.PENDING, "u1").query() == {
        "eventId": "e1", "userId": "u1", "status": "PENDING"}


def test_documents_merged_from_two_reads_come_in_the_store_s_order() -> None:
    docs = [{"_id": "b", "at": 1}, {"_id": "a", "at": 2}, {"_id": "c", "at": 1}, {"_id": "a2", "at": 2}]
    assert [d["_id"] for d in in_order(docs, [("at", -1), ("_id", 1)])] == ["a", "a2", "b", "c"]


def docs(count: int) -> list[dict[str, object]]:
    """user_facts documents read with only `loginDates`: user n logged in on n % 4 days."""
    return [{"_id": f"u{n}", "loginDates": [f"2026-11-{day:02d}" for day in range(1, n % 4 + 1)]}
            for n in range(count)]


def test_a_preview_in_slices_answers_as_one_pass() -> None:
    condition, start, batch = parse_condition({"login_days": {"min": 2}}), datetime(2026, 11, 1, tzinfo=UTC), docs(9)
    whole = Preview()
    assert evaluate_docs(batch, 0, condition, start, None, whole, 3, math.inf) == len(batch)
    sliced, done, calls = Preview(), 0, 0
    while done < len(batch):  # a deadline already past: one document per slice, never none
        done, calls = evaluate_docs(batch, done, condition, start, None, sliced, 3, -math.inf), calls + 1
    assert calls == len(batch)
    assert (sliced.eligible, sliced.sample) == (whole.eligible, whole.sample) and whole.eligible == 4
    assert [s["userId"] for s in whole.sample] == ["u2", "u3", "u6"]
