"""Condition preview over the `user_facts` read model: how many users a rule would admit now, with a sample.

One pass over the collection in large batches (the next fetched while this one is evaluated), asking only for
the fact lists the rule's leaves read, and counting with the short-circuit `holds`; only the sampled users get a
full explanation. Users without any recorded activity have no document and are not counted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from domain.activity_facts import DOC_VERSION, UserFacts
from domain.conditions import (
    AllOf,
    AnyOf,
    Checkins,
    Condition,
    Invites,
    Level,
    LoginDays,
    Not,
    PurchaseTotal,
    QuestCompleted,
)
from domain.evaluation import evaluate, holds
from projections.base import Collection

BATCH_SIZE: Final = 5000
_FIELDS: Final[dict[type, str]] = {
    LoginDays: "loginDates", Invites: "invitesPerDay", PurchaseTotal: "purchasesPerDay",
    Checkins: "checkinsPerDay", QuestCompleted: "questsCompleted", Level: "levels"}
_EMPTY: Final[dict[str, Any]] = {"docVersion": DOC_VERSION, "seenIds": [], **{f: [] for f in _FIELDS.values()}}


def fact_fields(condition: Condition) -> set[str]:
    """The `user_facts` fields a rule's leaves read."""
    if isinstance(condition, AllOf | AnyOf):
        return set().union(*(fact_fields(rule) for rule in condition.rules))
    if isinstance(condition, Not):
        return fact_fields(condition.rule)
    return {_FIELDS[type(condition)]}


def partial_facts(doc: dict[str, Any]) -> UserFacts:
    """The facts of a `user_facts` document read with only some fields: the others count as empty."""
    return UserFacts.from_doc({**_EMPTY, **doc, "userId": doc["_id"]})


@dataclass
class Preview:
    users: int = 0
    eligible: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"users": self.users, "eligible": self.eligible, "sample": self.sample,
                "tookMs": round(self.seconds * 1000, 1)}


async def _batches(coll: Collection, projection: dict[str, int]) -> AsyncIterator[list[dict[str, Any]]]:
    """The whole collection in batches, the next one already requested while the caller works on this one (the
    store and this process then work at the same time, on separate cores)."""
    cursor = coll.find({}, projection, batch_size=BATCH_SIZE)
    queue: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue(maxsize=1)

    async def fetch() -> None:
        while batch := await cursor.to_list(BATCH_SIZE):
            await queue.put(batch)
        await queue.put([])

    fetcher = asyncio.create_task(fetch())
    try:
        while batch := await queue.get():
            await asyncio.sleep(0)  # let the fetcher send the next request before this batch is worked on
            yield batch
        await fetcher
    finally:
        fetcher.cancel()
        await cursor.close()


async def preview(coll: Collection, condition: Condition | None, period_start: datetime,
                  period_end: datetime | None, sample_size: int = 20) -> Preview:
    """Evaluate `condition` for every user with facts over `[period_start, period_end)`; the sample is the first
    `sample_size` eligible users in scan order, each with its evaluation (facts seen, explanation)."""
    started, result = time.perf_counter(), Preview()
    fields = sorted(fact_fields(condition)) if condition is not None else []
    projection = {name: 1 for name in fields} if fields else {"_id": 1}
    async for batch in _batches(coll, projection):
        result.users += len(batch)
        for doc in batch:
            view = partial_facts(doc).view(period_start, period_end)
            if holds(condition, view):
                result.eligible += 1
                if len(result.sample) < sample_size:
                    result.sample.append({"userId": doc["_id"], "evaluation": evaluate(condition, view).to_json()})
    result.seconds = time.perf_counter() - started
    return result
