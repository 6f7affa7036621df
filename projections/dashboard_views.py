"""The four dashboards, rendered from the dashboard read model's counters (projections/dashboard.py) in camelCase.

Each answer is one `find` by `_id`: the `totals` document, the pages holding the active window's days (two
months at most) and the timeline's buckets (at most ~42 pages for `MAX_BUCKETS`). Definitions: docs/dashboards.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.clock import iso
from projections.base import Collection
from projections.dashboard import TOTALS, active_window_days, read_buckets, ttd_field
from projections.dashboard_buckets import ACTIVE_WINDOW_DAYS, DECISION_BINS, Bucket, floor, labelled, percentile_edge

Counters = dict[str, int]


@dataclass(frozen=True)
class Window:
    """A timeline's range: the buckets from the one holding `first` to the one holding `last`."""

    first: datetime
    last: datetime
    bucket: Bucket

    def echo(self) -> dict[str, Any]:
        return {"from": iso(self.first), "to": iso(self.last), "bucket": str(self.bucket)}


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def event_statuses(totals: Counters) -> dict[str, int]:
    active, inactive = totals.get("events:ACTIVE", 0), totals.get("events:INACTIVE", 0)
    return {"active": active, "inactive": inactive, "total": active + inactive}


def reward_types(totals: Counters) -> dict[str, int]:
    by_type = {name.lower(): totals.get(f"rewards:{name}", 0) for name in ("POINT", "ITEM", "COUPON", "BADGE")}
    return {**by_type, "total": sum(by_type.values())}


def request_statuses(totals: Counters) -> dict[str, int]:
    by_status = {name.lower(): totals.get(f"requests:{name}", 0) for name in ("PENDING", "APPROVED", "REJECTED")}
    return {**by_status, "total": sum(by_status.values())}


async def _read(coll: Collection, now: datetime | None, window: Window | None) -> tuple[
        Counters, dict[str, Any], list[tuple[str, Counters]]]:
    """`totals`, the headline active users (when `now` is given) and the window's timeline (every bucket, in order,
    an empty one as zeros), in one `find`."""
    days = active_window_days(now, ACTIVE_WINDOW_DAYS) if now is not None else []
    buckets = labelled(window.first, window.last, window.bucket) if window is not None else []
    docs = await read_buckets(coll, [*days, *(bucket_key for bucket_key, _ in buckets)], TOTALS)
    active: dict[str, Any] = {}
    if now is not None:
        window_start = floor(now - timedelta(days=ACTIVE_WINDOW_DAYS - 1), Bucket.DAY)
        active = {"count": sum(docs[day].get("lastActive", 0) for day in days), "windowDays": ACTIVE_WINDOW_DAYS,
                  "from": iso(window_start), "to": iso(now)}
    return docs[TOTALS], active, [(start, docs[bucket_key]) for bucket_key, start in buckets]


async def overview(coll: Collection, now: datetime) -> dict[str, Any]:
    totals, active, _ = await _read(coll, now, None)
    return {"eventsByStatus": event_statuses(totals), "rewardsByType": reward_types(totals),
            "requestsByStatus": request_statuses(totals), "users": totals.get("users", 0), "activeUsers": active}


async def event_analytics(coll: Collection, window: Window) -> dict[str, Any]:
    totals, _, timeline = await _read(coll, None, window)
    events, attached = event_statuses(totals)["total"], totals.get("attached", 0)
    return {**window.echo(), "statusDistribution": event_statuses(totals),
            "rewardsPerEvent": {"events": events, "attachedRewards": attached, "average": ratio(attached, events)},
            "eventsTimeline": [{"start": start, "eventsCreated": c.get("eventsCreated", 0)}
                               for start, c in timeline]}


async def reward_analytics(coll: Collection, window: Window) -> dict[str, Any]:
    totals, _, timeline = await _read(coll, None, window)
    approved = sum(c.get("approved", 0) for _, c in timeline)
    decided = approved + sum(c.get("rejected", 0) for _, c in timeline)
    bins = [sum(c.get(ttd_field(i), 0) for _, c in timeline) for i in range(len(DECISION_BINS))]
    took_ms = sum(c.get("decisionMs", 0) for _, c in timeline)
    return {**window.echo(), "rewardTypeDistribution": reward_types(totals),
            "requestStatusDistribution": request_statuses(totals),
            "requestsTimeline": [{"start": start, "requested": c.get("requested", 0),
                                  "approved": c.get("approved", 0), "rejected": c.get("rejected", 0)}
                                 for start, c in timeline],
            "approvalRate": {"approved": approved, "decided": decided, "rate": ratio(approved, decided)},
            "timeToDecision": {
                "decided": decided, "meanSeconds": None if not decided else took_ms / decided / 1000,
                "p50Seconds": percentile_edge(bins, 0.5), "p90Seconds": percentile_edge(bins, 0.9),
                "p99Seconds": percentile_edge(bins, 0.99),
                "bins": [{"upToSeconds": edge, "count": n} for edge, n in zip(DECISION_BINS, bins, strict=True)]}}


async def user_analytics(coll: Collection, window: Window, now: datetime) -> dict[str, Any]:
    totals, active, timeline = await _read(coll, now, window)
    users, participants = totals.get("users", 0), totals.get("participants", 0)
    return {**window.echo(),
            "participationRate": {"participants": participants, "users": users, "rate": ratio(participants, users)},
            "activeUsers": active, "newUsers": sum(c.get("newUsers", 0) for _, c in timeline),
            "activityTimeline": [{"start": start, "activities": c.get("activities", 0),
                                  "activeUsers": c.get("activeUsers", 0), "newUsers": c.get("newUsers", 0)}
                                 for start, c in timeline]}
