"""Condition preview over the `user_facts` read model: how many users a rule would admit now, with a sample.

One pass over the collection in batches (the next fetched while this one is evaluated), asking only for
the fact lists the rule's leaves read, and counting with the short-circuit `holds`; only the sampled users get a
full explanation. Users without any recorded activity have no document and are not counted.

The evaluation is pure Python (~90 µs per user), run on the gateway's event loop in slices of at most
`SLICE_SECONDS`, returning to the loop between slices, and batches are small (decoding a reply holds the loop too):
every other request then waits about one slice, where a 5,000-user batch used to hold the loop ~0.45 s or more. A
worker thread helps less (the GIL serialises pure-Python work, and the loop waits up to the interpreter's switch
interval per wake-up); a process pool would pickle every fetched document across. What remains is the garbage
collector's: the gateway freezes what start-up loaded (gateway/app.py). `ops/bench/preview_bench.py` measures it.
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

#: Documents per read: decoding a reply holds the loop too (~20 ms per 500 documents on a busy core).
BATCH_SIZE: Final = 500
#: The longest the evaluation holds the event loop before letting other requests run.
SLICE_SECONDS: Final = 0.01
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


async def batches(coll: Collection, projection: dict[str, int],
                  batch_size: int = BATCH_SIZE) -> AsyncIterator[list[dict[str, Any]]]:
    """The whole collection in batches, the next one already requested while the caller works on this one (the
    store and this process then work at the same time, on separate cores)."""
    cursor = coll.find({}, projection, batch_size=batch_size)
    queue: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue(maxsize=1)

    async def fetch() -> None:
        while batch := await cursor.to_list(batch_size):
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


def evaluate_docs(docs: list[dict[str, Any]], start: int, condition: Condition | None, period_start: datetime,
                  period_end: datetime | None, result: Preview, sample_size: int, deadline: float) -> int:
    """Evaluate `docs[start:]` in order into `result` until `deadline` (`time.perf_counter()`); returns the index
    to go on from (past at least one document, so every slice makes progress)."""
    done = start
    for doc in docs[start:]:
        view = partial_facts(doc).view(period_start, period_end)
        if holds(condition, view):
            result.eligible += 1
            if len(result.sample) < sample_size:
                result.sample.append({"userId": doc["_id"], "evaluation": evaluate(condition, view).to_json()})
        done += 1
        if time.perf_counter() >= deadline:
            break
    return done


async def preview(coll: Collection, condition: Condition | None, period_start: datetime,
                  period_end: datetime | None, sample_size: int = 20,
                  slice_seconds: float = SLICE_SECONDS, batch_size: int = BATCH_SIZE) -> Preview:
    """Evaluate `condition` for every user with facts over `[period_start, period_end)`; the sample is the first
    `sample_size` eligible users in scan order, each with its evaluation (facts seen, explanation)."""
    started, result = time.perf_counter(), Preview()
    fields = sorted(fact_fields(condition)) if condition is not None else []
    projection = {name: 1 for name in fields} if fields else {"_id": 1}
    async for batch in batches(coll, projection, batch_size):
        result.users += len(batch)
        done = 0
        while done < len(batch):
            done = evaluate_docs(batch, done, condition, period_start, period_end, result, sample_size,
                                 time.perf_counter() + slice_seconds)
            await asyncio.sleep(0)  # let every other request run between slices
    result.seconds = time.perf_counter() - started
    return result
