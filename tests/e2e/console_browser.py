"""Fixtures and helpers for the console's browser tests: `reward-ledger run` as a process with the demo staff seeded,
Debian's Chromium driven by Playwright for Python (its own browser download does not work here), screenshots.

Import the fixtures into a test module (`from tests.e2e.console_browser import console_run, browser, page`)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ops.servers import stop_process, wait_http_ok
from tests.e2e.test_run_supervisor import banner_when_printed, start_run

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Flags for a sandbox-less container: no GPU, and none of Chromium's own network chatter (updates, sync, QUIC).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
PASSWORD = "demo-pass-1"  # seed-demo's password for every demo login
OPERATOR, AUDITOR, ADMIN, PLAYER = ("operator@demo.test", "auditor@demo.test", "admin@demo.test",
                                    "player001@demo.test")


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (the dev extra: make install)"
    if not shutil.which(CHROMIUM):
        return f"{CHROMIUM} missing: `make test` installs Debian's chromium as root (apt-get install chromium)"
    return None


needs_browser = pytest.mark.skipif(browser_missing() is not None, reason=browser_missing() or "")


@dataclass
class ConsoleRun:
    base_url: str
    data_dir: Path

    @contextlib.contextmanager
    def login(self, email: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
        """An API client signed in as `email` (the tests' side channel: requests as a USER, ids, expected numbers)."""
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            answer = client.post("/auth/login", json={"email": email, "password": password})
            answer.raise_for_status()
            client.headers["Authorization"] = f"Bearer {answer.json()['accessToken']}"
            yield client


@pytest.fixture(scope="module")
def console_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleRun]:
    """The whole platform (`reward-ledger run`) with the demo staff and 5 players; Ctrl-C (SIGINT) at the end."""
    tmp = tmp_path_factory.mktemp("console-run")
    run, port = start_run(tmp)
    try:
        banner_when_printed(tmp / "run.log")
        base = f"http://127.0.0.1:{port}"
        wait_http_ok(f"{base}/health/ready", 30)
        env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "MONGO_URL", "REDIS_URL")}
        seeded = subprocess.run([sys.executable, "-m", "ops.cli", "seed-demo", "--users", "5"], capture_output=True,
                                text=True, timeout=120, env={**env, "DATA_DIR": str(tmp / "data")}, check=False)
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        yield ConsoleRun(base, tmp / "data")
    finally:
        if run.poll() is None:
            run.send_signal(signal.SIGINT)  # `run` stops its parts and servers itself; stop_process is the fallback
            with contextlib.suppress(subprocess.TimeoutExpired):
                run.wait(30)
        stop_process(run)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, console_run: ConsoleRun) -> Iterator[Any]:
    """A fresh browser context (no cookies: nobody signed in) on the console's base URL."""
    context = browser.new_context(base_url=console_run.base_url, viewport={"width": 1280, "height": 900},
                                  timezone_id="UTC", locale="en-US")  # datetime-local values are UTC here
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def shoot(page: Any, name: str) -> Path:
    """A full-page screenshot under test-artifacts/console/<name>.png (the issue wants one of each main page)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, email: str, password: str = PASSWORD) -> None:
    page.goto("/console/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def local_input(moment: datetime) -> str:
    """The value an `<input type="datetime-local">` takes (the page fixture puts the browser in UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
