"""Recording reported activities (`UserActivityRecorded`), once per idempotency id: the `ActivityRecord` aggregate.
What the facts mean and how they fold per user is domain/activity_facts.py.

Each activity is its own stream, `Activity-<activityId>`, written once at version 0 with the store claim
`activity:<id>`. Why not a stream per user: no invariant spans a user's activities (the facts fold is
order-independent and de-duplicates by id), while a per-user stream would serialise a user's concurrent reports into
version conflicts and retries. A new stream per activity never contends, and its commits group well in the store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final

from pydantic import Field, ValidationError, field_validator

from domain.activity_facts import Activity, ActivityKind
from domain.aggregate import Aggregate
from domain.conditions import MAX_AMOUNT
from domain.errors import FieldError, InvalidInput, field_errors
from domain.events import DomainEvent
from domain.types import IsoTime, StrictInt

#: Reports from further ahead than this are refused: a skewed clock must not make anyone eligible early.
MAX_FUTURE_SKEW: Final = timedelta(minutes=10)


def activity_claim(activity_id: str) -> str:
    return f"activity:{activity_id}"


class ActivityReport(Activity):
    """An activity as reported over HTTP or NATS: `occurredAt` may be left out and then means "now"."""

    amount: Annotated[StrictInt, Field(ge=1, le=MAX_AMOUNT)] = 1
    occurred_at: IsoTime | None = None  # type: ignore[assignment]

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:  # type: ignore[override]
        return value.astimezone(UTC) if value is not None else None

    def at(self, now: datetime) -> Activity:
        """The activity with its time filled in and checked against `now`."""
        occurred_at = self.occurred_at or now
        if occurred_at > now + MAX_FUTURE_SKEW:
            raise InvalidInput("the activity lies in the future",
                               [FieldError("/occurredAt", "must not be more than 10 minutes in the future")])
        return Activity.model_validate({**self.model_dump(exclude={"occurred_at"}), "occurred_at": occurred_at})


def parse_report(raw: object) -> ActivityReport:
    """Validate a reported activity; errors point into the reported JSON. `occurredAt: null` means "now"."""
    if isinstance(raw, dict) and raw.get("occurredAt", 0) is None:
        raw = {k: v for k, v in raw.items() if k != "occurredAt"}
    try:
        return ActivityReport.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput("invalid activity", field_errors(exc)) from None


class UserActivityRecorded(DomainEvent):
    AGGREGATE = "Activity"

    activity_id: str
    user_id: str
    kind: ActivityKind
    amount: int
    currency: str | None = None
    quest_id: str | None = None
    occurred_at: datetime
    source: str

    def activity(self) -> Activity:
        return Activity(id=self.activity_id, user_id=self.user_id, kind=self.kind, amount=self.amount,
                        currency=self.currency, quest_id=self.quest_id, occurred_at=self.occurred_at)


class ActivityRecord(Aggregate):
    """One reported activity; exists only to be written once."""

    STREAM_PREFIX = "Activity"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.recorded: UserActivityRecorded | None = None

    def record(self, activity: Activity, source: str) -> None:
        if self.exists:
            return  # the same id again: stored once, not an error
        self.trigger(UserActivityRecorded(
            activity_id=activity.id, user_id=activity.user_id, kind=activity.kind, amount=activity.amount,
            currency=activity.currency, quest_id=activity.quest_id, occurred_at=activity.occurred_at,
            source=source))

    def apply(self, event: DomainEvent) -> None:
        if isinstance(event, UserActivityRecorded):
            self.recorded = event


def report_json(report: ActivityReport) -> dict[str, Any]:
    return report.model_dump(mode="json", by_alias=True, exclude_none=True)
