"""`reward-ledger replay NAME|--all`: rebuild read models aside, in one pass of the log, and switch to them, with a
progress (ops/progress.py: a bar on a terminal, plain lines elsewhere) whose rate and ETA are the fold's own (the
grace before the old collections are dropped comes after the progress has closed, so it does not dilute the rate)."""

from __future__ import annotations

import sys
import time
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from commands.store.base import EventStore
from ops.progress import Progress
from projections.base import Projection
from projections.registry import all_projections
from projections.replay import drop_replaced, rebuild


class UnknownProjection(ValueError):
    """The command line names no projection, or one that does not exist (the message lists them all)."""


def choose(name: str | None, everything: bool) -> list[Projection]:
    """The projections `replay NAME|--all` rebuilds, checked before the store is reached."""
    projections = all_projections()
    names = ", ".join(sorted(projections))
    if everything == bool(name):
        raise UnknownProjection(f"name one projection or pass --all; projections: {names}")
    if name and name not in projections:
        raise UnknownProjection(f"unknown projection {name!r}; projections: {names}")
    return [projections[name]] if name else list(projections.values())


async def replay_main(db: AsyncDatabase[dict[str, Any]], store: EventStore, grace: float,
                      chosen: list[Projection]) -> int:
    """`db` and `store` come from ops/bootstrap.py `in_process`; `grace` is ReplaySettings' drop grace; `chosen`
    from `choose`."""
    name = chosen[0].name if len(chosen) == 1 else None
    label = name or f"{len(chosen)} read models"
    started = time.monotonic()
    progress = Progress(f"replay {label}", "events")
    try:
        rebuilt = await rebuild(db, store, chosen, progress.reach)
    finally:
        progress.close()
    took = time.monotonic() - started
    for projection, (collection, position) in rebuilt.switched.items():
        print(f"{projection}: switched to {collection} at position {position}")
    for projection, poison in rebuilt.failed.items():
        print(f"reward-ledger replay: {projection} cannot fold the event at position {poison.position} "
              f"({poison.event.type}): {poison.error}; live read model left as it was", file=sys.stderr)
    folded = max((position for _, position in rebuilt.switched.values()), default=0)
    print(f"replayed {folded:,} events into {len(rebuilt.switched)} read model(s) in one pass: {took:.1f} s, "
          f"{folded / max(rebuilt.fold_seconds, 1e-9):,.0f} events/s folding ({rebuilt.fold_seconds:.1f} s; "
          f"preparing and switching {rebuilt.other_seconds:.1f} s)")
    if rebuilt.replaced:
        print(f"dropping the {len(rebuilt.replaced)} replaced collection(s) after a {grace:g} s grace")
    await drop_replaced(db, rebuilt.replaced, grace)
    return 1 if rebuilt.failed else 0
