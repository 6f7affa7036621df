"""Every projection the platform runs, by name (the replay CLI and the gateway look them up here)."""

from __future__ import annotations

from projections.audit_counts import AuditCountsProjection
from projections.base import Projection
from projections.dashboard import DashboardProjection
from projections.event_rewards import EventRewardsProjection
from projections.events import EventsProjection
from projections.reward_requests import RewardRequestsProjection
from projections.rewards import RewardsProjection
from projections.user_facts import UserFactsProjection
from projections.users import UsersProjection


def all_projections() -> dict[str, Projection]:
    projections: list[Projection] = [UsersProjection(), EventsProjection(), RewardsProjection(),
                                     EventRewardsProjection(), UserFactsProjection(), RewardRequestsProjection(),
                                     DashboardProjection(), AuditCountsProjection()]
    return {p.name: p for p in projections}
