"""Business figures for Prometheus (docs/metrics.md): the dashboard read model's totals and the event rewards'
stock, read every few seconds by the projectors process into the gauges of base/metrics.py.

Why gauges read from the read models rather than counters moved where events happen: a counter restarts at zero
with its process and would count a replay twice, while the read models hold exact, idempotent folds of the whole
history; so the gauges survive restarts and replays and equal the numbers the dashboards answer. Labels are fixed
sets (statuses, stock kinds): nothing per user, per promotion or per reward, whose number grows without bound."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any, Final

from base.metrics import (
    BUSINESS_ATTACHED,
    BUSINESS_GRANTED,
    BUSINESS_PROMOTIONS,
    BUSINESS_REFRESHED,
    BUSINESS_REQUESTS,
    BUSINESS_STOCK_REMAINING,
    BUSINESS_USERS,
)
from domain.promotion import remaining
from projections.base import Collection
from projections.dashboard import TOTALS, read_buckets
from projections.dashboard_views import event_statuses, request_statuses
from projections.pointers import POINTERS

#: Seconds between two reads: figures a Prometheus scrape (5 s in ops/prometheus) sees at most this much behind.
REFRESH_SECONDS: Final = 5.0
log = logging.getLogger("ledger.business_metrics")


async def _live(db: Any, name: str) -> Collection | None:
    """The live collection of projection `name`, or None before its runner has created its pointer."""
    pointer = await db[POINTERS].find_one({"_id": name}, {"collection": 1})
    return db[pointer["collection"]] if pointer else None


async def refresh(db: Any) -> None:
    """Read the figures once and set the gauges (a read model not created yet reads as zeros)."""
    dashboard, event_rewards = await _live(db, "dashboard"), await _live(db, "event_rewards")
    totals = (await read_buckets(dashboard, [], TOTALS))[TOTALS] if dashboard is not None else {}
    for status, n in request_statuses(totals).items():
        if status != "total":
            BUSINESS_REQUESTS.labels(status=status).set(n)
    for status, n in event_statuses(totals).items():
        if status != "total":
            BUSINESS_PROMOTIONS.labels(status=status).set(n)
    BUSINESS_USERS.set(totals.get("users", 0))
    granted = left = limited = unlimited = sold_out = 0
    if event_rewards is not None:
        async for doc in event_rewards.find({"detached": {"$ne": True}}, {"stock": 1, "granted": 1}):
            granted += int(doc.get("granted", 0))
            units = remaining(doc.get("stock"), int(doc.get("granted", 0)))
            if units is None:
                unlimited += 1
            else:
                limited, left, sold_out = limited + 1, left + units, sold_out + (units == 0)
    BUSINESS_GRANTED.set(granted)
    BUSINESS_STOCK_REMAINING.set(left)
    for kind, n in (("limited", limited), ("unlimited", unlimited), ("sold_out", sold_out)):
        BUSINESS_ATTACHED.labels(stock=kind).set(n)
    BUSINESS_REFRESHED.set(time.time())


async def _refresh_forever(db: Any) -> None:
    while True:
        try:
            await refresh(db)
        except Exception:  # the store may be down for a while: keep the last figures, say so, try again
            log.warning("business metrics not refreshed", exc_info=True)
        await asyncio.sleep(REFRESH_SECONDS)


@contextlib.asynccontextmanager
async def refreshing(db: Any) -> AsyncIterator[None]:
    """Refresh the business gauges from `db` (the projectors' own store client) in the background while inside."""
    task = asyncio.create_task(_refresh_forever(db))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
