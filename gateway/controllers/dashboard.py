"""The dashboards (OPERATOR/ADMIN/AUDITOR): `GET /dashboard` and its event, reward and user analytics, read from
the `dashboard` read model (projections/dashboard.py; figures defined in docs/dashboards.md).

A timeline takes `from`, `to` (ISO 8601; a time without offset is UTC) and `bucket` (hour|day|week). Defaults:
`to` = now, `from` = `to` - 30 days, `bucket` = day. A bad value, `from` after `to`, or more than `MAX_BUCKETS`
buckets is a 400 naming the parameter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Final

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from domain.clock import now_ms
from gateway.controllers.base import BearerController
from gateway.docs import GUARDED, READ, problem_responses
from gateway.guards import requires_reader
from gateway.problems import BadRequest
from gateway.query_times import instant
from gateway.readmodels import ReadModels
from gateway.resources.dashboard import EventAnalytics, Overview, RewardAnalytics, UserAnalytics
from projections import dashboard_views as views
from projections.dashboard_buckets import MAX_BUCKETS, Bucket, count

DEFAULT_SPAN: Final = timedelta(days=30)
EARLIEST: Final = datetime(1970, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(9000, 1, 1, tzinfo=UTC)
_TIME: Final = {"max_length": 40, "description": "ISO 8601 time (UTC if it has no offset)"}
FromParam = Annotated[str | None, QueryParameter(name="from", **_TIME)]
ToParam = Annotated[str | None, QueryParameter(name="to", **_TIME)]
BucketParam = Annotated[str | None, QueryParameter(name="bucket", max_length=8, description="hour, day or week")]


def parse_time(name: str, text: str) -> datetime:
    """An ISO 8601 time in UTC, between 1970 and 9000 (so that a bucket's end never leaves the calendar)."""
    at = instant(name, text)
    if not EARLIEST <= at < LATEST:
        raise BadRequest.parameter(name, "must be from 1970 to 8999")
    return at


def window(first: str | None, last: str | None, bucket: str | None, now: datetime) -> views.Window:
    """The timeline's range from the query (see the module docstring for defaults and refusals)."""
    if bucket is not None and bucket not in Bucket.__members__.values():
        raise BadRequest.parameter("bucket", "must be hour, day or week")
    size = Bucket(bucket or Bucket.DAY)
    end = parse_time("to", last) if last is not None else now
    start = parse_time("from", first) if first is not None else end - DEFAULT_SPAN
    if start > end:
        raise BadRequest.parameter("from", "must not be after to")
    if count(start, end, size) > MAX_BUCKETS:
        raise BadRequest.parameter("bucket", f"the range holds more than {MAX_BUCKETS} {size.value} buckets; "
                             "choose a larger bucket or a shorter range")
    return views.Window(start, end, size)


class DashboardController(BearerController):
    path = "/dashboard"
    tags = ["dashboards"]
    guards = [requires_reader]

    @get("/", operation_id="get_dashboard", summary="Totals: events, rewards, requests, users, active users",
         response_description="Current totals", responses=problem_responses(*GUARDED, *READ))
    async def get_dashboard(self, read_models: NamedDependency[ReadModels],
                            min_position: NamedDependency[int | None]) -> Overview:
        coll = await read_models.collection("dashboard", min_position)
        return Overview.model_validate(await views.overview(coll, now_ms()))

    @get("/event-analytics", operation_id="get_event_analytics",
         summary="Event status distribution, rewards per event, events timeline",
         response_description="Event analytics", responses=problem_responses(*GUARDED, *READ))
    async def get_event_analytics(self, read_models: NamedDependency[ReadModels],
                                  min_position: NamedDependency[int | None], first: FromParam = None,
                                  last: ToParam = None, bucket: BucketParam = None) -> EventAnalytics:
        asked = window(first, last, bucket, now_ms())
        coll = await read_models.collection("dashboard", min_position)
        return EventAnalytics.model_validate(await views.event_analytics(coll, asked))

    @get("/reward-analytics", operation_id="get_reward_analytics",
         summary="Reward types, request statuses, requests timeline, approval rate, time to decision",
         response_description="Reward analytics", responses=problem_responses(*GUARDED, *READ))
    async def get_reward_analytics(self, read_models: NamedDependency[ReadModels],
                                   min_position: NamedDependency[int | None], first: FromParam = None,
                                   last: ToParam = None, bucket: BucketParam = None) -> RewardAnalytics:
        asked = window(first, last, bucket, now_ms())
        coll = await read_models.collection("dashboard", min_position)
        return RewardAnalytics.model_validate(await views.reward_analytics(coll, asked))

    @get("/user-analytics", operation_id="get_user_analytics",
         summary="Participation rate, active users, new users, activity timeline",
         response_description="User analytics", responses=problem_responses(*GUARDED, *READ))
    async def get_user_analytics(self, read_models: NamedDependency[ReadModels],
                                 min_position: NamedDependency[int | None], first: FromParam = None,
                                 last: ToParam = None, bucket: BucketParam = None) -> UserAnalytics:
        now = now_ms()
        asked = window(first, last, bucket, now)
        coll = await read_models.collection("dashboard", min_position)
        return UserAnalytics.model_validate(await views.user_analytics(coll, asked, now))
