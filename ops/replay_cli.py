"""`reward-ledger replay NAME|--all`: rebuild read models aside, in one pass of the log, and switch to them, with a
progress bar whose rate and ETA are the fold's own (the grace before the old collections are dropped comes after the
bar has closed, so it does not dilute the rate)."""

from __future__ import annotations

import sys
import time
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from tqdm import tqdm

from commands.store.base import EventStore
from projections.registry import all_projections
from projections.replay import drop_replaced, rebuild


async def replay_main(db: AsyncDatabase[dict[str, Any]], store: EventStore, grace: float, name: str | None,
                      everything: bool) -> int:
    """`db` and `store` come from ops/bootstrap.py `in_process`; `grace` is ReplaySettings' drop grace."""
    projections = all_projections()
    if everything == bool(name):
        print("reward-ledger replay: name one projection or pass --all; projections: "
              + ", ".join(sorted(projections)), file=sys.stderr)
        return 2
    if name and name not in projections:
        print(f"reward-ledger replay: unknown projection {name!r}; projections: {', '.join(sorted(projections))}",
              file=sys.stderr)
        return 2
    chosen = [projections[name]] if name else list(projections.values())
    label = name or f"{len(chosen)} read models"
    started = time.monotonic()
    with tqdm(desc=f"replay {label}", unit="ev", unit_scale=True, file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        rebuilt = await rebuild(db, store, chosen, progress)
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
