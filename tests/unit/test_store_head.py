"""The gateway's knowledge of the store head, and the one-read-at-a-time sharing its waits rely on: a burst of reads
(or a burst of waiting requests) costs one store read, and a caller that gives up does not cancel it for others."""

from __future__ import annotations

import asyncio

import pytest

from gateway.single_flight import SingleFlight
from gateway.store_head import StoreHead


class SlowRead:
    """A store read that returns `value` when released; counts how often it ran."""

    def __init__(self, value: int) -> None:
        self.value, self.calls, self.release = value, 0, asyncio.Event()

    async def __call__(self) -> int:
        self.calls += 1
        await self.release.wait()
        return self.value


async def test_concurrent_callers_share_one_read_and_a_later_call_reads_again() -> None:
    read = SlowRead(7)
    shared = SingleFlight(read)
    callers = [asyncio.create_task(shared()) for _ in range(20)]
    await asyncio.sleep(0)
    read.release.set()
    assert await asyncio.gather(*callers) == [7] * 20 and read.calls == 1
    assert await shared() == 7 and read.calls == 2


async def test_a_cancelled_caller_leaves_the_read_to_the_others() -> None:
    read = SlowRead(3)
    shared = SingleFlight(read)
    leaving, staying = asyncio.create_task(shared()), asyncio.create_task(shared())
    await asyncio.sleep(0)
    leaving.cancel()
    read.release.set()
    assert await staying == 3
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_the_head_only_moves_forward_and_the_store_is_read_at_first_and_after_the_recheck_period() -> None:
    read = SlowRead(10)
    read.release.set()
    head = StoreHead(read, recheck_seconds=3600)
    assert await head.known() == 10 and read.calls == 1
    head.saw(12)
    head.saw(11)  # notifications may arrive out of order
    head.saw(None)  # a reply without a position
    assert await head.known() == 12 and read.calls == 1
    head.recheck_seconds = 0
    await asyncio.sleep(0.001)
    assert await head.known() == 12 and read.calls == 2  # the store's 10 does not move it back
