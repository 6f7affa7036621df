"""Folded event counts for the audit's totals (`GET /audit` with `type` and/or `from`/`to`): per time bucket, a
field per event type plus `n` for all types, so the total of such a filter is a few reads by `_id` instead of a
count over every matching commit (docs/audit.md).

Buckets are aligned days, hours, minutes and seconds of the store's recorded time (`atMs`), plus one document for
all time. A range is covered by its whole buckets, coarsest first (at most ~2 x (59 + 59 + 23) of them besides the
days), and the two partial seconds at its ends are counted exactly from the commits: the exact part is bounded by
one second of events at each end whatever the range, even on a store seeded at thousands of events a second (where
an hour, the obvious bucket, would hold every event). Each event moves 5 documents (all, day, hour, minute, second);
a batch's moves are coalesced per document by `counts.apply_moves`, so a batch of 8,000 events spread over a few
seconds is one `bulk_write` of a handful of upserts.

The documents live in the counters' companion collection (`counts.companion`), so replay rebuilds them with the
projection. The projection's own collection holds one document, `folded`: the last position a batch counted (for
an operator's look, and so the read model, like every other, is never empty once anything is folded)."""

from __future__ import annotations

from typing import ClassVar, Final

from domain.clock import epoch_ms
from domain.events import EVENT_TYPES, RecordedEvent
from projections import counts
from projections.base import Collection, Projection, fold_sets

NAME: Final = "audit_counts"
ALL_TIME: Final = "all"
ALL_TYPES: Final = "n"
FOLDED: Final = "folded"
#: (prefix, length in ms), coarsest first; every length divides the one before it.
UNITS: Final = (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000))
SECOND: Final = 1_000


def bucket_id(prefix: str, start_ms: int) -> str:
    """Zero-padded, so `_id` order is time order and a run of buckets is one `_id` range."""
    return f"{prefix}:{start_ms:015d}"


def bucket_ids(at_ms: int) -> list[str]:
    return [ALL_TIME, *(bucket_id(prefix, at_ms - at_ms % size) for prefix, size in UNITS)]


def _floor(at: int, size: int) -> int:
    return at - at % size


def cover(lo: int, hi: int) -> tuple[list[tuple[str, int, int]], list[tuple[int, int]]]:
    """Split [lo, hi) (ms) into runs of whole aligned buckets (prefix, start, end), at most seven of them, and the
    partial edges [a, b) left to count exactly (each inside one second). The runs climb from seconds to days up to
    the first day boundary, then descend from days to seconds down to `hi`'s second."""
    first, last = -_floor(-lo, SECOND), _floor(hi, SECOND)
    if first >= last:  # no whole second inside: one edge, or two when a second boundary falls inside
        if lo < first < hi:
            return [], [(lo, first), (first, hi)]
        return [], [(lo, hi)] if lo < hi else []
    edges = [(a, b) for a, b in ((lo, first), (last, hi)) if a < b]
    runs: list[tuple[str, int, int]] = []
    at = first
    for (prefix, size), (_, bigger) in zip(UNITS[:0:-1], UNITS[-2::-1], strict=True):  # s, m, h: up to a boundary
        stop = min(-_floor(-at, bigger), _floor(last, size))
        if stop > at:
            runs.append((prefix, at, stop))
            at = stop
    for prefix, size in UNITS:  # d, h, m, s: down to `last`
        stop = _floor(last, size)
        if stop > at:
            runs.append((prefix, at, stop))
            at = stop
    return runs, edges


class AuditCountsProjection(Projection):
    name: ClassVar[str] = NAME
    #: Every event type (commands.store.mapper, imported above, has loaded them all).
    handles: ClassVar[frozenset[str]] = frozenset(t for t in EVENT_TYPES if not t.startswith("_"))
    #: Counting needs only the type and the time: an undecodable event or an unknown type is counted as stored,
    #: as the audit lists it (the audit is where one looks for the event that stopped another read model).
    envelope_only: ClassVar[bool] = True

    async def apply(self, coll: Collection, event: RecordedEvent) -> None:
        await self.apply_batch(coll, [event])

    async def apply_batch(self, coll: Collection, events: list[RecordedEvent]) -> None:
        await counts.apply_moves(coll, (
            (f"{doc}#{field}", event.position, 1)
            for event in events for doc in bucket_ids(epoch_ms(event.occurred_at))
            for field in (ALL_TYPES, event.type)))
        if events:  # after the counters: present means they are written up to there
            await fold_sets(coll, [(FOLDED, events[-1].position, {"lastPosition": events[-1].position})])


async def folded(counters: Collection, event_type: str | None, lo: int | None, hi: int | None,
                 upto: int) -> tuple[int, list[tuple[int, int]]] | None:
    """The folded count of events of `event_type` (any when None) recorded in [lo, hi) (open ends when None), and
    the partial edges left to count exactly; None when a counter read has counted past `upto` (a batch folded but
    its pointer not saved yet), so the caller's snapshot would not hold."""
    field = event_type or ALL_TYPES
    if lo is None and hi is None:
        runs: list[tuple[str, int, int]] = []
        doc = await counters.find_one({"_id": ALL_TIME})
        docs = [doc] if doc else []
        edges: list[tuple[int, int]] = []
    else:
        runs, edges = cover(lo or 0, hi if hi is not None else 10**15)
        docs = []
        for prefix, start, end in runs:
            docs += await counters.find({"_id": {"$gte": bucket_id(prefix, start), "$lt": bucket_id(prefix, end)}},
                                        {field: 1, "_pos": 1}).to_list()
    if any(int(d.get("_pos", 0)) > upto for d in docs):
        return None
    return sum(int(d.get(field, 0)) for d in docs), edges

