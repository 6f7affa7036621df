"""Path parameters under the names SPEC gives them (`{eventId}`, `{rewardId}`, `{requestId}`, `{id}`, `{type}`), in
the routes and in the OpenAPI document alike, bound to snake_case handler arguments."""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter

EventId = Annotated[str, PathParameter(name="eventId", min_length=1, max_length=128, description="the event id")]
RewardId = Annotated[str, PathParameter(name="rewardId", min_length=1, max_length=128,
                                        description="the catalogue reward id")]
RequestId = Annotated[str, PathParameter(name="requestId", min_length=1, max_length=128,
                                         description="the reward request id")]
UserId = Annotated[str, PathParameter(name="id", min_length=1, max_length=64, description="the user id")]
RewardTypeName = Annotated[str, PathParameter(name="type", min_length=1, max_length=16,
                                              description="point, item, coupon or badge (any case)")]
