"""A catalogue reward as the API answers it; only the fields it has are sent (a POINT reward has no `itemId`, the
copy attached to an event may have no `createdAt`)."""

from __future__ import annotations

from typing import Final

from pydantic import Field

from gateway.resources import Sparse
from gateway.schemas import EXAMPLE_ID, EXAMPLE_TIME, Page

EXAMPLE_REWARD: Final = {"id": "8b2e4f6a1c3d4e5f9a0b7c6d5e4f3a2b", "type": "POINT", "name": "500 bonus points",
                         "points": 500, "createdAt": EXAMPLE_TIME, "createdBy": EXAMPLE_ID}


class RewardOut(Sparse):
    omitted_when_none = frozenset({"points", "item_id", "quantity", "coupon_code", "expiry", "badge_id", "created_at",
                                   "created_by"})

    id: str = Field(examples=[EXAMPLE_REWARD["id"]])
    type: str = Field(description="POINT, ITEM, COUPON or BADGE", examples=["POINT"])
    name: str = Field(examples=["500 bonus points"])
    points: int | None = Field(default=None, description="POINT", examples=[500])
    item_id: str | None = Field(default=None, description="ITEM")
    quantity: int | None = Field(default=None, description="ITEM")
    coupon_code: str | None = Field(default=None, description="COUPON")
    expiry: str | None = Field(default=None, description="COUPON")
    badge_id: str | None = Field(default=None, description="BADGE")
    created_at: str | None = Field(default=None, examples=[EXAMPLE_TIME])
    created_by: str | None = Field(default=None, examples=[EXAMPLE_ID])


class RewardPage(Page[RewardOut]):
    pass
