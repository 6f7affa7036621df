"""Several OS processes append to one event store while a catch-up reader follows it: the reader must never meet a
position below its checkpoint nor skip one (the trap STACK.md names), and in the end every commit is there once."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commands.store import MongoEventStore
from domain.events import EVENT_TYPES, RecordedEvent

sys.path.insert(0, str(Path(__file__).parent))
from event_store_writer import MultiprocessNoted

EVENT_TYPES.pop(MultiprocessNoted.__name__, None)  # registered only while the test below runs

pytestmark = pytest.mark.integration

WRITER_SCRIPT = Path(__file__).with_name("event_store_writer.py")
PROJECT_ROOT = Path(__file__).parents[2]
WRITERS = 4
COMMITS_PER_WRITER = 150


@pytest.fixture(autouse=True)
def writer_event_type(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(EVENT_TYPES, MultiprocessNoted.__name__, MultiprocessNoted)
    yield


async def follow(store: MongoEventStore, writers_done: asyncio.Event) -> list[RecordedEvent]:
    """Poll read_all(checkpoint + 1) the way a projection catches up, checking each event as it arrives."""
    seen: list[RecordedEvent] = []
    while True:
        finished = writers_done.is_set()  # read before the page, so the last page is read after the last write
        page = await store.read_all(len(seen) + 1, 200)
        for event in page:
            assert event.position > len(seen), f"met position {event.position} after checkpoint {len(seen)}"
            assert event.position == len(seen) + 1, f"gap: position {event.position} after {len(seen)}"
            seen.append(event)
        if not page:
            if finished:
                return seen
            await asyncio.sleep(0.002)


async def test_writer_processes_and_a_catch_up_reader_see_one_gapless_order(mongo_db: Any,
                                                                            server_env: dict[str, str]) -> None:
    store = MongoEventStore(mongo_db)
    await store.ensure_indexes()
    processes = [await asyncio.create_subprocess_exec(
        sys.executable, str(WRITER_SCRIPT), server_env["MONGO_URL"], server_env["MONGO_DB"], f"w{w}",
        str(COMMITS_PER_WRITER), str(w), cwd=PROJECT_ROOT, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE) for w in range(WRITERS)]
    try:
        for process in processes:
            assert process.stdout is not None
            line = await process.stdout.readline()
            if line.strip() != b"ready":
                _, err = await process.communicate()
                pytest.fail(f"writer did not start: {line!r} {err.decode()[-2000:]}")
        writers_done = asyncio.Event()
        reader = asyncio.create_task(follow(store, writers_done))
        for process in processes:
            assert process.stdin is not None
            process.stdin.write(b"go\n")
            await process.stdin.drain()
        outputs = await asyncio.gather(*(process.communicate() for process in processes))
        writers_done.set()
        seen = await reader
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()

    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err.decode()[-2000:]
    reported: list[dict[str, Any]] = [c for out, _ in outputs for c in json.loads(out.decode().splitlines()[-1])]
    log = await store.read_all(1, 1_000_000)
    assert [e.position for e in log] == list(range(1, sum(c["size"] for c in reported) + 1))
    assert [e.event_id for e in seen] == [e.event_id for e in log]
    assert len(reported) == WRITERS * COMMITS_PER_WRITER
    by_commit: dict[str, list[RecordedEvent]] = defaultdict(list)
    for event in log:
        by_commit[event.event.commit].append(event)  # type: ignore[attr-defined]
    assert set(by_commit) == {c["commit"] for c in reported}
    for commit in reported:
        events = by_commit[commit["commit"]]
        assert [e.event.index for e in events] == list(range(commit["size"]))  # type: ignore[attr-defined]
        assert [e.position for e in events] == list(range(commit["last"] - commit["size"] + 1, commit["last"] + 1))
        assert events[-1].version == commit["version"] and events[0].stream_id == commit["stream"]
    for stream in {c["stream"] for c in reported}:
        versions = [e.version for e in log if e.stream_id == stream]
        assert versions == list(range(1, len(versions) + 1))
    await store.close()
