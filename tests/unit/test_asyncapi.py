"""The committed AsyncAPI document is the one the code generates (regenerate: python -m ops.asyncapi)."""

from __future__ import annotations

from pathlib import Path

from ops.asyncapi import build, render


def test_committed_asyncapi_document_is_current():
    committed = Path(__file__).parents[2] / "docs" / "asyncapi.json"
    assert committed.read_text() == render(), "run: python -m ops.asyncapi > docs/asyncapi.json"


def test_published_events_never_document_private_fields():
    channels = build()["channels"]
    data = channels["evtUserRegistered"]["messages"]["UserRegistered"]["payload"]["properties"]["data"]
    assert "passwordHash" not in data["properties"] and "email" in data["properties"]
