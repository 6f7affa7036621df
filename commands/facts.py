"""Where a handler reads a user's activity facts when it decides a reward request.

The handler processes read the `user_facts` read model (projections/user_facts.py `FactsReader`, given to them by
the composition root): one document per user, folded from `UserActivityRecorded`. It lags the store by the
projector's batch (milliseconds under load); a request that names `minPosition` (the `Ledger-Position` of the
activity report it depends on) waits until the read model has folded that position, or is refused `unavailable`.
Whatever the handler saw is stored on `RewardRequested` (`evaluation.facts`), so the decision never changes later.

`ScanFacts` folds the store itself: for the in-process tools and unit tests, which run without projectors.
"""

from __future__ import annotations

from typing import Protocol

from commands.store.base import EventStore
from domain.activity_facts import UserFacts
from domain.activity_record import UserActivityRecorded

SCAN_PAGE = 1000


class FactsSource(Protocol):
    async def facts_of(self, user_id: str, min_position: int | None) -> UserFacts:
        """The user's facts, folded at least up to `min_position` (when given)."""
        ...


class ScanFacts:
    """Every activity of the user, folded from the whole store: exact and slow (O(store)); never on the bus path."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def facts_of(self, user_id: str, min_position: int | None) -> UserFacts:
        facts, position = UserFacts(user_id), 1
        while batch := await self.store.read_all(position, SCAN_PAGE):
            for recorded in batch:
                event = recorded.event
                if isinstance(event, UserActivityRecorded) and event.user_id == user_id:
                    facts.apply(event.activity())
            position = batch[-1].position + 1
        return facts
