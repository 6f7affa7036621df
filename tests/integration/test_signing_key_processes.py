"""The JWT signing key under concurrent start-up: real OS processes, so it lives outside the unit tier."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from gateway.auth.tokens import key_id, load_or_create_key

pytestmark = pytest.mark.integration


def _kid_of_key_at(path: str) -> str:
    return key_id(load_or_create_key(Path(path)).public_key())


def test_processes_starting_at_once_agree_on_one_key(tmp_path):
    path = str(tmp_path / "keys" / "jwt.pem")
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        kids = pool.map(_kid_of_key_at, [path] * 12)
    assert len(set(kids)) == 1
    assert [p.name for p in Path(path).parent.iterdir()] == ["jwt.pem"]  # no temporary files left
