"""`reward-ledger replay NAME|--all`: rebuild read models aside and switch to them, with a progress bar."""

from __future__ import annotations

import sys
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from tqdm import tqdm

from commands.store.base import EventStore
from projections.poison import PoisonEvent
from projections.registry import all_projections
from projections.replay import replay


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
    failed = 0
    for projection in [projections[name]] if name else list(projections.values()):
        with tqdm(desc=f"replay {projection.name}", unit="ev", file=sys.stderr) as bar:
            def progress(done: int, total: int, bar: Any = bar) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            try:
                collection, position = await replay(db, store, projection, progress, grace)
            except PoisonEvent as poison:
                failed += 1
                bar.close()
                print(f"reward-ledger replay: {projection.name} cannot fold the event at position "
                      f"{poison.position} ({poison.event.type}): {poison.error}; live read model left as it was",
                      file=sys.stderr)
                continue
        print(f"{projection.name}: switched to {collection} at position {position}")
    return 1 if failed else 0
