"""The events listing's one sort key orders exactly as `createdAt` descending, then `_id` ascending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from projections.events import newest_key

BASE = datetime(2026, 12, 1, tzinfo=UTC)
ids = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=6)


@given(st.lists(st.tuples(st.integers(0, 5), ids), min_size=1, max_size=30, unique_by=lambda t: t[1]))
def test_one_key_descending_is_created_descending_then_id_ascending(rows: list[tuple[int, str]]) -> None:
    events = [(BASE + timedelta(milliseconds=ms), event_id) for ms, event_id in rows]
    by_key = sorted(events, key=lambda e: newest_key(*e), reverse=True)
    by_hand = sorted(sorted(events, key=lambda e: e[1]), key=lambda e: e[0], reverse=True)
    assert by_key == by_hand
