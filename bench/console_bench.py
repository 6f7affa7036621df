"""The operator console in headless Chromium (Debian's, driven by Playwright) against the `reward-ledger run` in
DATA_DIR, with the store's raw rates before and after, as the other benches print them:

- first load of /console/ on loopback, each in a fresh browser context (empty cache): bytes transferred (the sum of
  every response's headers and body) and time to interactive (navigation start until the "Sign in" button is
  enabled and takes the focus);
- with `--promotions` promotions stored (10,000 by default; topped up with `reward-ledger seed-demo --events N`
  when fewer), signed in as the demo OPERATOR: the time from navigating to each main page (promotions list, a
  promotion, rewards, review, dashboards) until it shows its data. Target: under 1 s each.

    DATA_DIR=... python -m bench.console_bench [--promotions 10000] [--loads 5] [--times 3]"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

from base.settings import MongoSettings
from bench.loadtest import DEMO_PASSWORD, SetupError, running_platform
from bench.store_rates import store_rates

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
TARGET_S = 1.0


def rates_line(url: str, when: str) -> str:
    return asyncio.run(store_rates(url, MongoSettings(url=url).database)).line() + f" ({when})"


def ensure_promotions(base: str, wanted: int, operator: str) -> tuple[int, float]:
    """How many promotions are stored, after topping them up to `wanted` with seed-demo; and the seconds it took."""
    started = time.perf_counter()
    with httpx.Client(base_url=base, timeout=30) as api:
        login = api.post("/auth/login", json={"email": operator, "password": DEMO_PASSWORD})
        if login.status_code == 401:  # a fresh store: the demo staff first (seed-demo adds nothing twice)
            print("no demo staff yet: seed-demo ...", flush=True)
            subprocess.run([sys.executable, "-m", "ops.cli", "seed-demo", "--users", "5"], check=True,
                           stdout=subprocess.DEVNULL)
            login = api.post("/auth/login", json={"email": operator, "password": DEMO_PASSWORD})
        login.raise_for_status()
        api.headers["Authorization"] = f"Bearer {login.json()['accessToken']}"
        total = int(api.get("/events", params={"limit": 1}).json()["total"])
        if total < wanted:
            print(f"{total:,} promotions stored: seeding {wanted:,} more (seed-demo --events) ...", flush=True)
            subprocess.run([sys.executable, "-m", "ops.cli", "seed-demo", "--users", "5", "--events", str(wanted)],
                           check=True, stdout=subprocess.DEVNULL)
            # the projectors fold what seed-demo stored after it returns: measure pages on a read side at rest
            deadline = time.monotonic() + 600
            while (total := int(api.get("/events", params={"limit": 1}).json()["total"])) < wanted:
                if time.monotonic() > deadline:
                    raise SystemExit(f"only {total:,} promotions listed 10 minutes after seeding {wanted:,}")
                time.sleep(1)
        return total, time.perf_counter() - started


def first_load(browser: Any, base: str) -> tuple[int, float, float]:
    """(bytes transferred, seconds to interactive, the browser's own domInteractive in seconds) of one cold load."""
    context = browser.new_context(base_url=base)
    page = context.new_page()
    sizes: list[int] = []
    page.on("requestfinished", lambda request: sizes.append(sum(
        max(request.sizes()[k], 0) for k in ("responseHeadersSize", "responseBodySize"))))
    started = time.perf_counter()
    page.goto("/console/", wait_until="commit")
    button = page.get_by_role("button", name="Sign in")
    button.wait_for(state="visible")
    while not button.is_enabled():
        page.wait_for_timeout(5)
    button.focus()
    assert button.evaluate("b => b === document.activeElement"), "the Sign in button does not take the focus"
    interactive = time.perf_counter() - started
    page.wait_for_load_state("networkidle")
    dom = page.evaluate("performance.getEntriesByType('navigation')[0].domInteractive") / 1000
    context.close()
    return sum(sizes), interactive, dom


def timed(page: Any, go: Callable[[], None], title: str, shown: Any) -> float:
    """Seconds from navigating until the page's own h1 and then its data are visible (the h1 first, so that the
    previous page's rows, still on screen for a moment, cannot count)."""
    started = time.perf_counter()
    go()
    page.get_by_role("heading", level=1, name=title, exact=True).wait_for(state="visible", timeout=30_000)
    shown.wait_for(state="visible", timeout=30_000)
    return time.perf_counter() - started


def page_times(browser: Any, base: str, operator: str, times: int) -> dict[str, list[float]]:
    with httpx.Client(base_url=base, timeout=30) as api:
        token = api.post("/auth/login", json={"email": operator, "password": DEMO_PASSWORD}).json()["accessToken"]
        api.headers["Authorization"] = f"Bearer {token}"
        promotion = api.get("/events", params={"limit": 1, "page": 137}).json()["items"][0]
        reward = api.get("/rewards", params={"limit": 1}).json()["items"][0]
    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.goto("/console/")
    page.get_by_label("Email").fill(operator)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()

    def link(name: str) -> Callable[[], None]:
        return lambda: page.get_by_role("link", name=name, exact=True).click()

    def hash_to(route: str) -> Callable[[], None]:
        return lambda: page.evaluate("route => { window.location.hash = route; }", route)

    # (page, how to go there, its h1, what shows that its data arrived: rows, names, counts, figures from the API)
    pages = [
        ("promotions list", link("Promotions"), "Promotions", page.get_by_role("row").nth(1)),
        ("a promotion", hash_to(f"#/promotions/{promotion['id']}"), promotion["name"],
         page.get_by_role("heading", level=2, name="Rewards")),
        ("rewards", link("Rewards"), "Rewards", page.get_by_role("cell", name=reward["name"]).first),
        ("review", link("Review"), "Review queue", page.get_by_text(re.compile(r"^\d[\d,]* pending requests?"))),
        ("dashboards", link("Dashboards"), "Dashboards", page.get_by_role("definition").first),
    ]
    results: dict[str, list[float]] = {name: [] for name, *_ in pages}
    for _ in range(times):
        for name, go, title, shown in pages:
            results[name].append(timed(page, go, title, shown))
    context.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.console_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--promotions", type=int, default=10_000, help="promotions stored for the page timings")
    parser.add_argument("--loads", type=int, default=5, help="cold first loads to time")
    parser.add_argument("--times", type=int, default=3, help="visits of each page")
    parser.add_argument("--operator", default="operator@demo.test")
    args = parser.parse_args(argv)
    try:
        info = running_platform()
    except SetupError as exc:
        print(f"console_bench: {exc}", file=sys.stderr)
        return 2
    base, store = str(info["gateway"]), str(info["servers"]["MONGO_URL"])
    from playwright.sync_api import sync_playwright

    print(rates_line(store, "before"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        print(f"Chromium {browser.version}, console at {base}/console/")
        loads = [first_load(browser, base) for _ in range(args.loads)]
        print(f"first load: {loads[0][0]:,} bytes transferred; time to interactive median "
              f"{1000 * statistics.median(t for _, t, _ in loads):.0f} ms, max {1000 * max(t for _, t, _ in loads):.0f}"
              f" ms over {len(loads)} cold loads (domInteractive median "
              f"{1000 * statistics.median(d for _, _, d in loads):.0f} ms)")
        total, seeding = ensure_promotions(base, args.promotions, args.operator)
        print(f"{total:,} promotions stored" + (f" (seeded in {seeding:.0f} s)" if seeding > 1 else ""))
        slow = []
        for name, seconds in page_times(browser, base, args.operator, args.times).items():
            worst = max(seconds)
            slow += [name] if worst >= TARGET_S else []
            print(f"  {name:<16} shows its data in median {1000 * statistics.median(seconds):4.0f} ms, "
                  f"max {1000 * worst:4.0f} ms over {len(seconds)} visits")
        browser.close()
    print(rates_line(store, "after"))
    print(f"every page under {TARGET_S:.0f} s" if not slow else f"over {TARGET_S:.0f} s: {', '.join(slow)}")
    return 0 if not slow else 1


if __name__ == "__main__":
    sys.exit(main())
