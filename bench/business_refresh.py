"""What one refresh of the business gauges costs (projections/business_metrics.py: the projectors run it every
5 s), on the store of the `reward-ledger run` in DATA_DIR, with the store's raw rates before and after.

    python -m bench.business_refresh [--times 5]"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

from pymongo import AsyncMongoClient

from base.metrics import BUSINESS_ATTACHED, BUSINESS_STOCK_REMAINING
from base.settings import MongoSettings
from bench.loadtest import SetupError, running_platform
from bench.store_rates import store_rates
from projections.business_metrics import refresh


async def measure(url: str, times: int) -> None:
    database = MongoSettings(url=url).database
    print((await store_rates(url, database)).line() + " (before)")
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    try:
        seconds = []
        for _ in range(times):
            started = time.perf_counter()
            await refresh(client[database])
            seconds.append(time.perf_counter() - started)
        attached = sum(BUSINESS_ATTACHED.labels(stock=kind)._value.get() for kind in ("limited", "unlimited"))
        print(f"refresh: {', '.join(f'{1000 * s:.0f}' for s in seconds)} ms over {attached:,.0f} attached rewards "
              f"(stock left {BUSINESS_STOCK_REMAINING._value.get():,.0f})")
    finally:
        await client.close()
    print((await store_rates(url, database)).line() + " (after)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.business_refresh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--times", type=int, default=5)
    args = parser.parse_args(argv)
    try:
        url = str(running_platform()["servers"]["MONGO_URL"])
    except SetupError as exc:
        print(f"business_refresh: {exc}", file=sys.stderr)
        return 2
    asyncio.run(measure(url, args.times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
