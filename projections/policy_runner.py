"""Runs the policies (commands/policies.py) over the store: the projection runner's machinery, with a "projection"
whose fold dispatches the follow-up commands in-process instead of writing a read model.

So it gets the same checkpoint (its pointer, `policies`), batching, wake-ups and stop-at-poison as every read
model, and needs no second catch-up loop. A follow-up is dispatched before the checkpoint moves past its event;
after a crash in between, the event is handed over again and issues the same command id, which the store keeps
once (its commit id) and which finds nothing left to decide. Its collection stays empty, and it is not in the
registry: there is nothing to replay or to wait for."""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Final

from pymongo.asynchronous.database import AsyncDatabase

from base.logging import correlation_id
from commands.context import Caller
from commands.dispatch import dispatch
from commands.messages import POLICY
from commands.policies import TRIGGERS, FollowUp, follow_ups
from commands.reward_requests import POLICY_HANDLERS
from commands.store.base import EventStore
from domain.events import RecordedEvent
from projections.base import Collection, Projection
from projections.runner import ProjectionRunner

log = logging.getLogger("ledger.policies")
#: Reply codes that say "not now" (the store is away, the stream too busy): the batch is retried, never skipped.
RETRIED: Final = frozenset({"unavailable", "conflict"})


class PolicyDeferred(TimeoutError):
    """A follow-up could not run now; a TimeoutError, so the runner retries the batch instead of stopping."""


class Policies(Projection):
    name: ClassVar[str] = "policies"
    handles: ClassVar[frozenset[str]] = TRIGGERS

    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        """Each follow-up carries the event's correlation id (so the request that started it all finds it) and the
        event's id as its cause; its own events then name the follow-up's command id as theirs."""
        token = correlation_id.set(event.correlation_id)
        try:
            for follow_up in follow_ups(event):
                await self._dispatch(follow_up, event)
        finally:
            correlation_id.reset(token)

    async def _dispatch(self, follow_up: FollowUp, event: RecordedEvent) -> None:
        command = follow_up.command
        caller = Caller(follow_up.command_id, via=POLICY, correlation_id=event.correlation_id,
                        causation_id=event.event_id)
        reply = await dispatch(command.subject_name(), command.model_dump(mode="json", by_alias=True), caller,
                               self.store, POLICY_HANDLERS)
        if reply.ok:
            log.info("policy %s on %s at position %d: %s", follow_up.policy, event.type, event.position,
                     reply.result)
        elif reply.error and reply.error.code in RETRIED:
            raise PolicyDeferred(f"policy {follow_up.policy} at position {event.position}: {reply.error.detail}")
        else:  # refused for good (the promotion is gone, ...): nothing a retry would change
            log.warning("policy %s on %s at position %d refused: %s", follow_up.policy, event.type,
                        event.position, reply.error)


def policy_runner(db: AsyncDatabase[dict[str, Any]], store: EventStore) -> ProjectionRunner:
    return ProjectionRunner(db, store, Policies(store))
