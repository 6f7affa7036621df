"""The event store: a mapper (domain event <-> stored document, with upcasting) and recorders that only append and
select. `EventStore` is the one interface; `MongoEventStore` is production, `MemoryEventStore` the unit-test twin;
both pass the same contract suite (tests/integration/test_event_store_contract.py)."""

from commands.store.base import (
    AppendResult,
    ClaimTaken,
    ConcurrencyError,
    EventStore,
    NewCommit,
)
from commands.store.memory import MemoryEventStore
from commands.store.mongo import MongoEventStore

__all__ = ["AppendResult", "ClaimTaken", "ConcurrencyError", "EventStore", "MemoryEventStore", "MongoEventStore",
           "NewCommit"]
