"""The console's own JavaScript: its Vitest suite passes, and the committed build (gateway/static/console) is the build
of the committed sources, so a source change committed without `make console` fails here rather than in a browser."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "console"
BUILT = ROOT / "gateway" / "static" / "console"

pytestmark = pytest.mark.skipif(not (shutil.which("node") and shutil.which("npm")),
                                reason="node/npm missing: the console's JS tests and build check need Node 20.19+")


def npm(*argv: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": "1", "NO_COLOR": "1", "FORCE_COLOR": "0"}  # plain output, no watch mode, no prompts
    return subprocess.run(argv, cwd=CONSOLE, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """`npm ci` once when console/node_modules is missing (the lock pins every package)."""
    if not (CONSOLE / "node_modules" / ".bin" / "vitest").exists():
        done = npm("npm", "ci", "--no-audit", "--no-fund")
        assert done.returncode == 0, done.stdout + done.stderr
    return CONSOLE / "node_modules"


def test_the_console_unit_tests_pass(node_modules):
    done = npm("npx", "--no-install", "vitest", "run")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "passed" in done.stdout, done.stdout[-2000:]


def tree(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_committed_build_is_the_build_of_the_sources(node_modules, tmp_path):
    out = tmp_path / "console"
    done = npm("npx", "--no-install", "vite", "build", "--outDir", str(out), "--emptyOutDir")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    fresh, committed = tree(out), tree(BUILT)
    stale = "the committed console build is not the build of console/src: run `make console` and commit the result"
    assert sorted(fresh) == sorted(committed), f"{stale}\nbuilt: {sorted(fresh)}\ncommitted: {sorted(committed)}"
    differ = [name for name in fresh if not filecmp.cmp(fresh[name], committed[name], shallow=False)]
    assert differ == [], f"{stale}: {differ}"
