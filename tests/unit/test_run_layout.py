"""Which processes `reward-ledger run` starts: compact by default (two cores), spread out by configuration."""

from __future__ import annotations

from base.settings import LayoutSettings
from ops.supervisor import layout


def test_by_default_one_handler_and_the_relay_inside_the_projectors_process() -> None:
    parts = layout(LayoutSettings())
    assert [(name, argv, identity) for name, argv, identity in parts] == [
        ("handlers", ["handlers"], "handlers"), ("projectors", ["projectors", "--relay"], "relay"),
        ("gateway", ["gateway"], "gateway")]


def test_replicas_and_a_separate_relay_by_configuration(monkeypatch) -> None:
    monkeypatch.setenv("HANDLER_REPLICAS", "3")
    monkeypatch.setenv("RELAY_APART", "true")
    names = [(name, identity) for name, _, identity in layout(LayoutSettings())]
    assert names == [("handlers-1", "handlers"), ("handlers-2", "handlers"), ("handlers-3", "handlers"),
                     ("projectors", "projectors"), ("relay", "relay"), ("gateway", "gateway")]
