"""Every event type the store knows survives the real store (nx-27017 through `MongoEventStore` and the mapper) at
the edges of every field: integers up to each maximum (past 2^31, which comes back as Int64, and 2^53-1), astral,
combining and right-to-left text, millisecond times from year 1 to 9999 in any offset, empty and None optionals.

Strategies are derived from each event's own fields, so an event type added later is covered without a change."""

from __future__ import annotations

import types
import typing
import uuid
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel, ValidationError

from commands.store.base import NewCommit
from commands.store.mapper import UnreadableEvent
from commands.store.mongo import COMMITS, MongoEventStore
from domain.conditions import MAX_AMOUNT
from domain.events import EVENT_TYPES, DomainEvent
from domain.promotion import MAX_PER_USER, MAX_STOCK
from domain.stored_condition import StoredCondition

pytestmark = pytest.mark.integration
JS_SAFE = 2**53 - 1
#: Maxima the events' plain `int` fields have where they are validated (HTTP, commands), by field name.
FIELD_MAXIMA = {"stock": MAX_STOCK, "per_user_limit": MAX_PER_USER, "amount": MAX_AMOUNT}
EDGE_TEXT = ["", "\U0001d518\U0001d52b\U0001d526 \U0001f600\U0001f389",  # astral: Fraktur letters, emoji
             "e\u0301 n\u0303 \u0915\u094d\u0937", "שלום עולם", "مرحبا بالعالم",  # combining marks; RTL
             "abc \u202eRTL\u202c", "\u4e2d\u6587\u30c6\u30b9\u30c8", "\ufeffbom", "a" * 64]
CONDITIONS = [StoredCondition(version=1, rule={"login_days": {"min": 3, "consecutive": True}}),
              StoredCondition(version=1, rule={"all": [{"purchase_total": {"min": 10**12, "currency": "KRW"}},
                                                       {"not": {"quest_completed": {"questId": "\U0001d52e-1"}}}]})]
OFFSETS = [UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)), timezone(timedelta(hours=5, minutes=45))]


def _times() -> st.SearchStrategy[datetime]:
    """Millisecond instants (the store's precision) from year 1 to 9999, in UTC or another offset."""
    naive = st.one_of(st.sampled_from([datetime(1, 1, 2), datetime(9999, 12, 30, 23, 59, 59, 999000)]),
                      st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
    return st.builds(lambda d, tz: d.replace(microsecond=d.microsecond // 1000 * 1000, tzinfo=tz), naive,
                     st.sampled_from(OFFSETS))


def _ints(low: int, high: int) -> st.SearchStrategy[int]:
    edges = [v for v in (low, high, 2**31 - 1, 2**31, 2**32, JS_SAFE) if low <= v <= high]
    return st.one_of(st.sampled_from(edges), st.integers(low, high))


def _text(low: int, high: int) -> st.SearchStrategy[str]:
    chars = st.characters(exclude_categories=("Cs", "Cc"))  # no lone surrogates (not UTF-8), no control chars
    edges = [t[:high] for t in EDGE_TEXT if len(t[:high]) >= low]
    return st.one_of(st.sampled_from(edges), st.text(chars, min_size=low, max_size=min(high, 80)))


def _bounds(metadata: list[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in metadata:
        for name in ("ge", "gt", "le", "lt", "min_length", "max_length"):
            if isinstance(value := getattr(item, name, None), int):
                out[name] = value
    return out


def strategy(annotation: Any, metadata: list[Any], field: str = "") -> st.SearchStrategy[Any]:
    """Values for one field's annotation, edge cases first among them."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return strategy(args[0], [*metadata, *args[1:]], field)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy(a, metadata, field) for a in args))
    if annotation is type(None):
        return st.none()
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin is list:
        return st.lists(strategy(args[0], [], field), max_size=3)
    if origin is dict:
        return st.dictionaries(_text(1, 10), st.one_of(st.none(), _ints(-JS_SAFE, JS_SAFE), _text(0, 20)), max_size=3)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return st.sampled_from(list(annotation))
    if annotation is StoredCondition:
        return st.sampled_from(CONDITIONS)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_data(annotation)
    b = _bounds(metadata)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return _ints(b.get("ge", b.get("gt", -1) + 1), b.get("le", FIELD_MAXIMA.get(field, JS_SAFE)))
    if annotation is str:
        return _text(b.get("min_length", 0), b.get("max_length", 200))
    if annotation in (datetime, AwareDatetime):
        return _times()
    if annotation is typing.Any:
        return st.one_of(st.none(), _ints(-JS_SAFE, JS_SAFE), _text(0, 20))
    raise AssertionError(f"no strategy for {annotation!r} ({field}): add one so the event type is covered")


def model_data(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    fields = {name: strategy(f.annotation, list(f.metadata), name) for name, f in model.model_fields.items()}
    optional = {name for name, f in model.model_fields.items() if not f.is_required()}
    return st.fixed_dictionaries({n: s for n, s in fields.items() if n not in optional},
                                 optional={n: s for n, s in fields.items() if n in optional})


def events_of(cls: type[DomainEvent]) -> st.SearchStrategy[DomainEvent]:
    def build(data: dict[str, Any]) -> DomainEvent:
        try:
            return cls.model_validate(data)
        except ValidationError:
            assume(False)  # a rule across fields (e.g. a coupon's future expiry) refused this combination
            raise
    return model_data(cls).map(build)


EVENTS = sorted(EVENT_TYPES)


@pytest.mark.parametrize("type_name", EVENTS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.filter_too_much])
@given(data=st.data())
async def test_every_event_type_round_trips_through_the_store_at_its_edges(mongo_db, type_name, data) -> None:
    cls = EVENT_TYPES[type_name]
    events = data.draw(st.lists(events_of(cls), min_size=1, max_size=3), label="events")
    store = MongoEventStore(mongo_db)
    stream = f"{cls.AGGREGATE or 'Test'}-{uuid.uuid4().hex}"
    await store.ensure_indexes()
    try:
        stored = await store.append(NewCommit(stream, 0, events))
        read = await store.read_stream(stream)
        assert [r.event for r in read] == events
        assert [r.event.to_data() for r in read] == [e.to_data() for e in events]
        tail = await store.read_all(stored.position - len(events) + 1, len(events))
        assert [e.event for e in tail] == events and not [e for e in tail if isinstance(e, UnreadableEvent)]
    finally:
        await store.close()


async def test_integers_past_int32_come_back_from_the_store_as_int64_and_still_decode(mongo_db) -> None:
    """The finding behind the mapper's normalising: without it this event could not be read back at all."""
    from domain.reward import PointReward, RewardCreated

    store = MongoEventStore(mongo_db)
    event = RewardCreated(reward_id="r", spec=PointReward(name="Jackpot", points=2**31), created_by=None,
                          created_at=datetime(2026, 11, 25, tzinfo=UTC))
    try:
        await store.append(NewCommit("Reward-r", 0, [event]))
        raw = await mongo_db[COMMITS].find_one({"stream": "Reward-r"})
        assert type(raw["events"][0]["data"]["spec"]["points"]).__name__ == "Int64"
        assert [r.event for r in await store.read_stream("Reward-r")] == [event]
    finally:
        await store.close()
