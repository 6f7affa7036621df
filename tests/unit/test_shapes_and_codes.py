"""One vocabulary, one shape, one error table: documents stored before the Promotion renames still read and write
back byte for byte; a command reply carries a code (never an HTTP status); the gateway's table gives every code the
status it always answered with."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from commands.context import Actor, Caller
from commands.dispatch import dispatch
from commands.messages import COMMANDS, ErrorBody
from commands.store import MemoryEventStore
from commands.store.mapper import commit_to_events
from domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unauthorized
from domain.promotion import Promotion, PromotionDetails
from domain.promotion_events import EventCreated, PromotionStatus, RewardAttachedToEvent
from domain.promotion_shape import promotion_document, promotion_json
from gateway.problems import PROBLEMS, AppError, status_for

#: `EventCreated` as issue 7's code stored it (before `event_id` became `promotion_id`).
OLD_EVENT_CREATED = {
    "eventId": "p1", "name": "Winter", "description": "", "periodStart": "2026-12-01T00:00:00Z",
    "periodEnd": None, "status": "ACTIVE", "rewardCondition": None, "createdBy": "op-1",
    "createdAt": "2026-11-30T12:00:00Z"}


def test_a_document_stored_with_the_old_shape_reads_and_writes_back_unchanged() -> None:
    commit = {"_id": "c1", "stream": "Event-p1", "version": 1, "position": 7, "at": datetime(2026, 11, 30, tzinfo=UTC),
              "events": [{"id": "e1", "type": "EventCreated", "schema": 1, "data": OLD_EVENT_CREATED}]}
    [recorded] = commit_to_events(commit)
    assert isinstance(recorded.event, EventCreated) and recorded.event.promotion_id == "p1"
    assert recorded.event_id == "e1"  # the stored fact's id, no longer beside an `event.event_id`
    assert recorded.event.to_data() == OLD_EVENT_CREATED
    assert "promotion_id" not in str(recorded.envelope())


def test_promotion_facts_are_built_by_their_code_names_and_stored_by_their_wire_names() -> None:
    fact = RewardAttachedToEvent(promotion_id="p1", reward_id="r1", reward={}, condition=None, auto_resolve=False,
                                 stock=None, per_user_limit=1, attached_by=None, at=datetime(2026, 1, 1, tzinfo=UTC))
    assert fact.to_data()["eventId"] == "p1" and "promotionId" not in fact.to_data()


def test_the_handler_answer_is_the_rendering_of_the_aggregate_document() -> None:
    promotion = Promotion("p1")
    at = datetime(2026, 11, 30, tzinfo=UTC)
    promotion.create(PromotionDetails("Winter", "", at, None, None), PromotionStatus.ACTIVE, "op-1", at)
    doc = promotion_document(promotion)
    assert doc["_id"] == "p1" and promotion_json(doc)["periodStart"] == "2026-11-30T00:00:00.000Z"


async def test_commands_take_the_wire_names_and_name_fields_errors_by_them() -> None:
    store, operator = MemoryEventStore(), Actor("op-1", frozenset({"OPERATOR"}))
    reply = await dispatch("ActivatePromotion", {"eventId": ""}, Caller(uuid.uuid4().hex, operator), store)
    assert reply.error is not None and [e["path"] for e in reply.error.errors] == ["/eventId"]
    created = await dispatch("CreatePromotion", {"name": "Winter", "periodStart": "2026-12-01T00:00:00Z"},
                             Caller(uuid.uuid4().hex, operator), store)
    assert created.ok and created.result is not None and created.result["name"] == "Winter"
    assert all(cls.subject_name() == name for name, cls in COMMANDS.items())


async def test_a_refusal_on_the_bus_carries_a_code_and_no_http() -> None:
    reply = await dispatch("NoSuchCommand", {}, Caller("c1"), MemoryEventStore())
    error = {"code": "bad-request", "detail": "unknown command NoSuchCommand", "errors": []}
    assert reply.model_dump(by_alias=True)["error"] == error
    assert set(ErrorBody.model_fields) == {"code", "detail", "errors"}


@pytest.mark.parametrize(("error", "status", "title"), [
    (InvalidInput("x"), 422, "Validation failed"), (NotFound("x"), 404, "Not found"), (Conflict("x"), 409, "Conflict"),
    (Forbidden("x"), 403, "Forbidden"), (Unauthorized("x"), 401, "Unauthorized"),
    (DomainError("x"), 422, "Rule violated")])
def test_each_domain_code_answers_the_status_it_always_did(error: DomainError, status: int, title: str) -> None:
    problem = AppError.from_domain(error)
    assert (problem.status, problem.title, problem.code) == (status, title, error.code)


def test_codes_from_below_the_gateway_and_errors_raised_by_status() -> None:
    assert status_for("unavailable") == 503 and status_for("bad-request") == 400
    assert status_for("something-new") == 422  # an unknown code is a refused rule, as before
    assert (AppError("x", status=422).code, AppError("x", status=404).code) == ("validation-failed", "not-found")
    assert all(AppError("x", status=s).title == t for s, t in PROBLEMS.values() if s != 422)
