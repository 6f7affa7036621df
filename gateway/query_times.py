"""Times in query parameters (`from`, `to`): one parser, so every route reads and refuses them alike."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.problems import BadRequest


def instant(name: str, text: str, *, zone_required: bool = False) -> datetime:
    """`text` (ISO 8601, `Z` or `z` for UTC) as a UTC time; one without an offset is UTC unless `zone_required`.
    A 400 naming `name` for anything else, including a time that leaves the calendar in UTC (year 1 at +05:00)."""
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text)
        if parsed.tzinfo is None and zone_required:
            raise ValueError("no zone")
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        zone = " with a zone" if zone_required else ""
        raise BadRequest.parameter(name, f"must be an ISO 8601 time{zone}, e.g. 2026-11-25T10:00:00Z") from None
