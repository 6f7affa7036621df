"""How a time range is split into whole buckets and exact edges (projections/audit_counts.py `cover`): the pieces
partition the range exactly, every bucket is aligned to its size, and the exact edges are inside one second."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from projections.audit_counts import UNITS, bucket_ids, cover

SIZES = dict(UNITS)
DAY = SIZES["d"]
points = st.one_of(st.integers(0, 40 * DAY), st.integers(0, 40).map(lambda n: n * DAY),
                   st.integers(0, 40 * 24).map(lambda n: n * SIZES["h"] + 1))


@given(a=points, b=points)
def test_buckets_and_edges_partition_the_range(a: int, b: int) -> None:
    lo, hi = min(a, b), max(a, b)
    runs, edges = cover(lo, hi)
    pieces = sorted([(start, end) for _, start, end in runs] + edges)
    at = lo
    for start, end in pieces:
        assert start == at and end > start
        at = end
    assert at == hi or (lo == hi and not pieces)
    for prefix, start, end in runs:
        assert start % SIZES[prefix] == 0 and (end - start) % SIZES[prefix] == 0
    assert all(b - a < 1_000 for a, b in edges) and len(edges) <= 2 and len(runs) <= 7


def test_an_event_is_counted_in_its_second_minute_hour_day_and_all_time() -> None:
    at = 3 * DAY + 2 * SIZES["h"] + 5 * SIZES["m"] + 7_123
    assert bucket_ids(at) == ["all", f"d:{3 * DAY:015d}", f"h:{3 * DAY + 2 * SIZES['h']:015d}",
                              f"m:{at - 7_123:015d}", f"s:{at - 123:015d}"]
