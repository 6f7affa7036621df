"""The reward catalogue: one aggregate per reward (stream `Reward-<id>`), created once and never edited, so an
event reward can keep a copy of it and every view of it stays true.

The type comes from the path (`POST /rewards/{type}`, case-insensitive) and the body carries that type's fields;
a field of another type is refused rather than ignored, since it is most likely a mistyped request.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_serializer,
)
from pydantic.alias_generators import to_camel

from domain.aggregate import Aggregate
from domain.clock import iso, to_ms
from domain.errors import Conflict, FieldError, InvalidInput, NotFound, field_errors
from domain.events import DomainEvent
from domain.types import ExternalId, IsoTime, Name, StrictInt

MAX_POINTS: Final = 10**12
MAX_QUANTITY: Final = 10**6
RewardName = Name
CouponCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Points = Annotated[StrictInt, Field(ge=1, le=MAX_POINTS)]
Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY)]


class RewardType(StrEnum):
    POINT = "POINT"
    ITEM = "ITEM"
    COUPON = "COUPON"
    BADGE = "BADGE"


def reward_type(text: str) -> RewardType:
    """`point`, `Point` and `POINT` are the same type (the original accepted any case); unknown types are 404."""
    try:
        return RewardType(text.upper())
    except ValueError:
        raise NotFound(f"unknown reward type {text[:32]!r}; expected one of point, item, coupon, badge") from None


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, validate_by_name=True,
                              validate_by_alias=True)

    name: RewardName


class PointReward(_Spec):
    type: Literal[RewardType.POINT] = RewardType.POINT
    points: Points


class ItemReward(_Spec):
    type: Literal[RewardType.ITEM] = RewardType.ITEM
    item_id: ExternalId
    quantity: Quantity


class CouponReward(_Spec):
    type: Literal[RewardType.COUPON] = RewardType.COUPON
    coupon_code: CouponCode
    expiry: Annotated[IsoTime, AfterValidator(to_ms)]

    @field_serializer("expiry", when_used="json")
    def _iso(self, value: datetime) -> str | None:
        return iso(value)


class BadgeReward(_Spec):
    type: Literal[RewardType.BADGE] = RewardType.BADGE
    badge_id: ExternalId


RewardSpec: TypeAlias = Annotated[PointReward | ItemReward | CouponReward | BadgeReward, Field(discriminator="type")]
SPECS: Final[dict[RewardType, type[_Spec]]] = {
    RewardType.POINT: PointReward, RewardType.ITEM: ItemReward, RewardType.COUPON: CouponReward,
    RewardType.BADGE: BadgeReward}


def parse_reward(type_text: str, body: dict[str, Any], now: datetime) -> PointReward | ItemReward | CouponReward \
        | BadgeReward:
    """Validate a `POST /rewards/{type}` body; errors point into the body. A coupon must expire in the future."""
    kind = reward_type(type_text)
    fields = dict(body)
    given = fields.pop("type", kind.value)
    if not isinstance(given, str) or given.upper() != kind.value:
        raise InvalidInput("the reward type is given by the path", [FieldError("/type", f"must be {kind.value}")])
    try:
        spec = SPECS[kind].model_validate(fields, by_alias=True, by_name=False)
    except ValidationError as exc:
        raise InvalidInput(f"invalid {kind.value.lower()} reward", field_errors(exc)) from None
    if isinstance(spec, CouponReward) and spec.expiry <= now:
        raise InvalidInput("the coupon has already expired", [FieldError("/expiry", "must be in the future")])
    assert isinstance(spec, PointReward | ItemReward | CouponReward | BadgeReward)
    return spec


class RewardCreated(DomainEvent):
    AGGREGATE = "Reward"

    reward_id: str
    spec: RewardSpec
    created_by: str | None
    created_at: datetime


class Reward(Aggregate):
    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.spec: PointReward | ItemReward | CouponReward | BadgeReward | None = None
        self.created_by: str | None = None
        self.created_at: datetime | None = None

    def create(self, spec: PointReward | ItemReward | CouponReward | BadgeReward, by: str | None,
               at: datetime) -> None:
        if self.exists:
            raise Conflict(f"reward {self.id} already exists")
        self.trigger(RewardCreated(reward_id=self.id, spec=spec, created_by=by, created_at=at))

    def view(self) -> dict[str, Any]:
        """The API shape `{id, type, name, ...type fields}` (also what an event reward keeps a copy of)."""
        if self.spec is None:
            raise NotFound(f"reward {self.id} not found")
        return reward_view(self.id, self.spec)

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, RewardCreated):
            self.spec, self.created_by, self.created_at = event.spec, event.created_by, event.created_at


def reward_view(reward_id: str, spec: PointReward | ItemReward | CouponReward | BadgeReward) -> dict[str, Any]:
    return {"id": reward_id, **spec.model_dump(mode="json", by_alias=True)}


def reward_document(reward_id: str, spec: PointReward | ItemReward | CouponReward | BadgeReward,
                    created_at: datetime | None, created_by: str | None) -> dict[str, Any]:
    """A catalogue reward as the `rewards` read model holds it: the one shape, which the handler answers with
    (from the aggregate) and the read model folds (from `RewardCreated`)."""
    return {"_id": reward_id, **spec.model_dump(mode="json", by_alias=True), "createdAt": iso(created_at),
            "createdBy": created_by}


def reward_json(doc: dict[str, Any]) -> dict[str, Any]:
    """The API's `Reward`: `{id, type, name, ...type fields, createdAt, createdBy}`."""
    return {"id": doc["_id"], **{k: v for k, v in doc.items() if k not in ("_id", "_pos")}}
