"""Every child the project starts gets the memory defaults (ops/servers.py MEMORY_ENV) unless its environment sets
its own: the handler's argon2 blocks go back to the system, NATS keeps a soft heap limit."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ops.servers import spawn_logged

pytestmark = pytest.mark.integration

SHOW = "import json, os; print(json.dumps({k: os.environ.get(k) for k in ('MALLOC_MMAP_THRESHOLD_', 'GOMEMLIMIT')}))"


def test_children_get_the_memory_defaults_and_keep_their_own_values(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    assert spawn_logged([sys.executable, "-c", SHOW], log, {"GOMEMLIMIT": "1GiB"}).wait(30) == 0
    assert json.loads(log.read_text()) == {"MALLOC_MMAP_THRESHOLD_": "131072", "GOMEMLIMIT": "1GiB"}
