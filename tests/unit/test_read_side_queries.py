"""What the read models ask the store (projections/): the event listing's filters, and the condition preview's
evaluation in slices giving the same answer as in one pass."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from domain.conditions import parse_condition
from domain.promotion_events import PromotionStatus
from projections.eligibility import Preview, evaluate_docs
from projections.events import EventFilters

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
STAMP = "2026-12-01T12:00:00.000Z"


def test_no_filter_is_everything_and_one_filter_is_itself() -> None:
    assert EventFilters().query(NOW) == {}
    assert EventFilters(status=PromotionStatus.ACTIVE).query(NOW) == {"status": "ACTIVE"}


def test_filters_are_joined_by_an_explicit_and_with_the_outside_of_a_period_as_an_or() -> None:
    query = EventFilters(PromotionStatus.INACTIVE, "a.b", in_period=False).query(NOW)
    assert query == {"$and": [
        {"status": "INACTIVE"}, {"name": {"$regex": r"a\.b", "$options": "i"}},
        {"$or": [{"periodStart": {"$gt": STAMP}}, {"periodEndKey": {"$lte": STAMP}}]}]}
    assert EventFilters(in_period=True).query(NOW) == {"$and": [
        {"periodStart": {"$lte": STAMP}}, {"periodEndKey": {"$gt": STAMP}}]}


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
