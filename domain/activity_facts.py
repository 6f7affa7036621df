"""User activity facts (SPEC "Activities"): what game servers report, and the per-user fold conditions ask.
Recording a report once, as the `ActivityRecord` aggregate, is domain/activity_record.py.

All facts are UTC. Counters (logins, invites, check-ins, purchases) are kept per UTC calendar day, so a period is
judged in whole UTC days: a day counts when the period overlaps it (an event starting 10:00 counts that morning's
logins). States (level reached, quest completed) persist once reached, so they count when reached before the end
of the period's last day, whenever that was: a level-30 player is level 30 throughout a later event.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Final

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import InitErrorDetails, PydanticCustomError

from domain.conditions import MAX_AMOUNT, Currency, QuestId
from domain.evaluation import FactView
from domain.types import SingleLine

DOC_VERSION: Final = 1
Id = Annotated[SingleLine, StringConstraints(min_length=1, max_length=128)]


class ActivityKind(StrEnum):
    LOGIN = "login"
    INVITE = "invite"
    PURCHASE = "purchase"
    CHECKIN = "checkin"
    QUEST_COMPLETED = "quest_completed"
    LEVEL = "level"


#: The largest `amount` one report may carry, per kind: purchases in minor units (10^10: 100 million in a
#: two-decimal currency), the level reached, and counts for the rest. Above it a report is a bug or abuse, and one
#: such report would satisfy any condition. Checked on new reports only (`amount_problem`), never on stored facts,
#: so facts recorded before a bound tightened still fold.
MAX_REPORTED_AMOUNT: Final[dict[ActivityKind, int]] = {
    ActivityKind.PURCHASE: 10**10,
    ActivityKind.LEVEL: 10_000,
    ActivityKind.LOGIN: 10**6,
    ActivityKind.INVITE: 10**6,
    ActivityKind.CHECKIN: 10**6,
    ActivityKind.QUEST_COMPLETED: 10**6,
}
AMOUNT_DESCRIPTION: Final = ("A count (login, invite, checkin, quest_completed; at most 1,000,000), minor units "
                             "(purchase; at most 10^10) or the level reached (level; at most 10,000). Default 1.")


def amount_problem(kind: ActivityKind, amount: int) -> str | None:
    """Why a reported amount is out of bounds for its kind, or None."""
    bound = MAX_REPORTED_AMOUNT[kind]
    return f"must be at most {bound:,} for kind {kind.value!r}" if amount > bound else None


class Activity(BaseModel):
    """One reported fact. `id` is the idempotency id; `amount` is a count, minor units (purchase) or the level."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, validate_by_name=True, validate_by_alias=True
    )

    id: Id
    user_id: Id
    kind: ActivityKind
    amount: int = Field(default=1, ge=1, le=MAX_AMOUNT, strict=True, description=AMOUNT_DESCRIPTION)
    currency: Currency | None = None
    quest_id: QuestId | None = None
    occurred_at: AwareDatetime

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @model_validator(mode="wrap")
    @classmethod
    def _fits_its_kind(cls, data: Any, handler: ModelWrapValidatorHandler[Activity]) -> Activity:
        """`currency` belongs to purchases and `questId` to completed quests: required there, refused elsewhere
        (a misrouted fact is a caller bug). Errors carry the JSON field name, as pydantic's own do."""
        activity = handler(data)
        problems = [
            InitErrorDetails(type=PydanticCustomError("kind_mismatch", message), loc=(to_camel(name),), input=data)
            for kind, name, missing in _KIND_FIELDS
            if (message := _kind_problem(activity, kind, getattr(activity, name), missing))
        ]
        if problems:
            raise ValidationError.from_exception_data(cls.__name__, problems)
        return activity


_KIND_FIELDS: Final = (
    (ActivityKind.PURCHASE, "currency", "a purchase needs a currency"),
    (ActivityKind.QUEST_COMPLETED, "quest_id", "a completed quest needs a questId"),
)


def _kind_problem(activity: Activity, kind: ActivityKind, value: object, missing: str) -> str | None:
    if activity.kind is kind and value is None:
        return missing
    if activity.kind is not kind and value is not None:
        return f"only applies to kind {kind.value!r}"
    return None


@dataclass(frozen=True)
class PeriodFacts(FactView):
    """A snapshot of one user's facts for one period; answers the condition leaves."""

    login_day_count: int
    longest_login_streak: int
    invite_count: int
    checkin_count: int
    purchase_totals: dict[str, int]
    max_level: int
    completed_quests: frozenset[str]

    def login_days(self, *, consecutive: bool) -> int:
        return self.longest_login_streak if consecutive else self.login_day_count

    def invites(self) -> int:
        return self.invite_count

    def checkins(self) -> int:
        return self.checkin_count

    def purchase_total(self, currency: str | None) -> int:
        if currency is None:
            return sum(self.purchase_totals.values())
        return self.purchase_totals.get(currency, 0)

    def level(self) -> int:
        return self.max_level

    def quest_completed(self, quest_id: str) -> bool:
        return quest_id in self.completed_quests


class UserFacts:
    """The fold of one user's activities into compact structures that answer any period without a rescan.

    `apply` is idempotent by activity id and order-independent: every structure is a function of the *set* of
    activities seen (sums, distinct dates, earliest times, the level staircase), never of their arrival order.
    The seen ids grow with the activity count; that is the price of idempotency without the store's help.
    """

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self._seen_ids: set[str] = set()
        self._login_dates: list[date] = []  # sorted, distinct
        self._invites: dict[date, int] = {}
        self._checkins: dict[date, int] = {}
        self._purchases: dict[tuple[date, str], int] = {}
        self._quests: dict[str, datetime] = {}  # quest id -> first completion
        # Records no other record beats (earlier-or-same time and higher-or-same level): time and level both
        # strictly increase, so the last record before a cutoff is the highest level reached by then.
        self._levels: list[tuple[datetime, int]] = []

    def apply(self, activity: Activity) -> bool:
        """Fold one activity; False when its id was already folded (the same id twice counts once)."""
        if activity.user_id != self.user_id:
            raise ValueError(f"activity {activity.id} belongs to user {activity.user_id}, not {self.user_id}")
        if activity.id in self._seen_ids:
            return False
        self._seen_ids.add(activity.id)
        day, at = activity.occurred_at.date(), activity.occurred_at
        if activity.kind is ActivityKind.LOGIN:
            index = bisect_left(self._login_dates, day)
            if index == len(self._login_dates) or self._login_dates[index] != day:
                self._login_dates.insert(index, day)
        elif activity.kind is ActivityKind.INVITE:
            self._invites[day] = self._invites.get(day, 0) + activity.amount
        elif activity.kind is ActivityKind.CHECKIN:
            self._checkins[day] = self._checkins.get(day, 0) + activity.amount
        elif activity.kind is ActivityKind.PURCHASE:
            key = (day, activity.currency or "")
            self._purchases[key] = self._purchases.get(key, 0) + activity.amount
        elif activity.kind is ActivityKind.QUEST_COMPLETED:
            quest = activity.quest_id or ""
            if quest not in self._quests or at < self._quests[quest]:
                self._quests[quest] = at
        else:
            self._record_level(at, activity.amount)
        return True

    def _record_level(self, at: datetime, level: int) -> None:
        levels = self._levels
        index = bisect_right(levels, at, key=lambda record: record[0])
        if index and levels[index - 1][1] >= level:
            return  # already reached by then
        if index and levels[index - 1][0] == at:
            index -= 1
            del levels[index]
        end = index
        while end < len(levels) and levels[end][1] <= level:
            end += 1
        levels[index:end] = [(at, level)]

    def view(self, period_start: datetime, period_end: datetime | None = None) -> PeriodFacts:
        """Facts for the period [start, end) (open-ended without `end`), widened to whole UTC days."""
        if period_start.tzinfo is None or (period_end is not None and period_end.tzinfo is None):
            raise ValueError("period bounds must be timezone-aware")
        if period_end is not None and period_end <= period_start:
            raise ValueError("period must end after it starts")
        first = period_start.astimezone(UTC).date()
        stop = _day_after_last(period_end)

        def inside(day: date) -> bool:
            return first <= day and (stop is None or day < stop)

        cutoff = datetime.combine(stop, time(), UTC) if stop is not None else None
        logins = self._login_dates[bisect_left(self._login_dates, first) :]
        if stop is not None:
            logins = logins[: bisect_left(logins, stop)]
        purchases: dict[str, int] = {}
        for (day, currency), amount in self._purchases.items():
            if inside(day):
                purchases[currency] = purchases.get(currency, 0) + amount
        reached = self._levels[: bisect_left(self._levels, cutoff, key=lambda r: r[0])] if cutoff else self._levels
        return PeriodFacts(
            login_day_count=len(logins),
            longest_login_streak=_longest_run(logins),
            invite_count=sum(n for day, n in self._invites.items() if inside(day)),
            checkin_count=sum(n for day, n in self._checkins.items() if inside(day)),
            purchase_totals=purchases,
            max_level=reached[-1][1] if reached else 0,
            completed_quests=frozenset(q for q, at in self._quests.items() if cutoff is None or at < cutoff),
        )

    def to_doc(self) -> dict[str, Any]:
        """A plain JSON/BSON-safe document (ISO strings, ints, sorted lists); all dates and times are UTC."""
        return {
            "docVersion": DOC_VERSION,
            "userId": self.user_id,
            "seenIds": sorted(self._seen_ids),
            "loginDates": [d.isoformat() for d in self._login_dates],
            "invitesPerDay": [[d.isoformat(), n] for d, n in sorted(self._invites.items())],
            "checkinsPerDay": [[d.isoformat(), n] for d, n in sorted(self._checkins.items())],
            "purchasesPerDay": [[d.isoformat(), c, n] for (d, c), n in sorted(self._purchases.items())],
            "questsCompleted": [[q, _iso(at)] for q, at in sorted(self._quests.items())],
            "levels": [[_iso(at), level] for at, level in self._levels],
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> UserFacts:
        """Rebuild from `to_doc` output; `from_doc(f.to_doc()).to_doc() == f.to_doc()`."""
        if doc.get("docVersion") != DOC_VERSION:
            raise ValueError(f"unknown user facts document version {doc.get('docVersion')!r}")
        facts = cls(doc["userId"])
        facts._seen_ids = set(doc["seenIds"])
        facts._login_dates = sorted({date.fromisoformat(d) for d in doc["loginDates"]})
        facts._invites = {date.fromisoformat(d): int(n) for d, n in doc["invitesPerDay"]}
        facts._checkins = {date.fromisoformat(d): int(n) for d, n in doc["checkinsPerDay"]}
        facts._purchases = {(date.fromisoformat(d), c): int(n) for d, c, n in doc["purchasesPerDay"]}
        facts._quests = {q: datetime.fromisoformat(at).astimezone(UTC) for q, at in doc["questsCompleted"]}
        for at, level in doc["levels"]:
            facts._record_level(datetime.fromisoformat(at).astimezone(UTC), int(level))
        return facts


def _day_after_last(period_end: datetime | None) -> date | None:
    """The first UTC day the period does not touch; an end at midnight does not touch that day."""
    if period_end is None:
        return None
    end = period_end.astimezone(UTC)
    return end.date() if end.time() == time() else end.date() + timedelta(days=1)


def _longest_run(days: list[date]) -> int:
    """Longest run of consecutive calendar days in a sorted, distinct list (date arithmetic handles month/year ends)."""
    longest = run = 0
    previous: date | None = None
    for day in days:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    return longest


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
