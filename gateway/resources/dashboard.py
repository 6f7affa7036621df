"""The dashboards as the API answers them (definitions: docs/dashboards.md). One shape per figure wherever it
appears: `EventStatusCounts`, `RewardTypeCounts`, `RequestStatusCounts`, `ActiveUsers`."""

from __future__ import annotations

from pydantic import Field

from gateway.schemas import Schema


class EventStatusCounts(Schema):
    active: int
    inactive: int
    total: int


class RewardTypeCounts(Schema):
    point: int
    item: int
    coupon: int
    badge: int
    total: int


class RequestStatusCounts(Schema):
    pending: int
    approved: int
    rejected: int
    total: int


class ActiveUsers(Schema):
    count: int = Field(description="Distinct users whose latest activity or login falls in [from, to]")
    window_days: int = Field(description="UTC days in the window, today included")
    from_: str = Field(alias="from", description="Start of the window's first UTC day")
    to: str = Field(description="Now")


class Overview(Schema):
    events_by_status: EventStatusCounts
    rewards_by_type: RewardTypeCounts
    requests_by_status: RequestStatusCounts
    users: int = Field(description="Registered users")
    active_users: ActiveUsers


class WindowEcho(Schema):
    from_: str = Field(alias="from", description="The range's start as asked (or defaulted), UTC")
    to: str = Field(description="The range's end as asked (or defaulted), UTC")
    bucket: str = Field(description="hour, day or week")


class RewardsPerEvent(Schema):
    events: int
    attached_rewards: int = Field(description="Rewards attached to events now")
    average: float | None = Field(description="attachedRewards / events; null without events")


class EventsBucket(Schema):
    start: str
    events_created: int


class EventAnalytics(WindowEcho):
    status_distribution: EventStatusCounts
    rewards_per_event: RewardsPerEvent
    events_timeline: list[EventsBucket]


class RequestsBucket(Schema):
    start: str
    requested: int
    approved: int
    rejected: int


class ApprovalRate(Schema):
    approved: int
    decided: int
    rate: float | None = Field(description="approved / decided in the window; null when nothing was decided")


class DecisionBin(Schema):
    up_to_seconds: int | None = Field(description="Inclusive upper edge; null for the open last bin")
    count: int


class TimeToDecision(Schema):
    decided: int
    mean_seconds: float | None
    p50_seconds: int | None = Field(description="Upper edge of the bin holding the median; null if open or none")
    p90_seconds: int | None
    p99_seconds: int | None
    bins: list[DecisionBin]


class RewardAnalytics(WindowEcho):
    reward_type_distribution: RewardTypeCounts
    request_status_distribution: RequestStatusCounts
    requests_timeline: list[RequestsBucket]
    approval_rate: ApprovalRate
    time_to_decision: TimeToDecision


class ParticipationRate(Schema):
    participants: int = Field(description="Distinct users with at least one reward request")
    users: int
    rate: float | None


class ActivityBucket(Schema):
    start: str
    activities: int
    active_users: int
    new_users: int


class UserAnalytics(WindowEcho):
    participation_rate: ParticipationRate
    active_users: ActiveUsers
    new_users: int = Field(description="Users registered in the window's buckets")
    activity_timeline: list[ActivityBucket]
