"""What `reward-ledger run` tells the operator once the gateway answers: every URL to open, how to create the first
admin and load demo data, and the demo logins once `seed-demo` has written them.

Why only then: the parts take seconds to start, and a banner printed before the gateway accepts connections sends
the operator to a URL that refuses them. Why the demo logins come from a file (`demo_logins_file`, written by
`seed-demo` into `run`'s DATA_DIR) rather than a store query: the supervisor holds no store client and imports none
of the parts' code (memory, start-up time), and the file is in the same DATA_DIR as the store it describes."""

from __future__ import annotations

import contextlib
import json
import os
import urllib.request
from pathlib import Path
from typing import Any

from base.settings import demo_logins_file

#: Seconds `run` waits for the gateway before saying it is not ready (it keeps waiting after).
READY_PATIENCE = 60.0


def local_url(host: str, port: int) -> str:
    """The gateway's URL as a browser on this machine reaches it (a wildcard address is not one to open)."""
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"


def ready(gateway: str) -> bool:
    """True when the gateway's /health/ready answers 200 (it accepts connections and reaches its servers)."""
    with contextlib.suppress(OSError), urllib.request.urlopen(f"{gateway}/health/ready", timeout=0.5) as resp:
        return bool(resp.status == 200)
    return False


def links(gateway: str, metrics: dict[str, str]) -> dict[str, Any]:
    """The URLs the banner shows (also kept in run.json under `links`)."""
    return {"console": f"{gateway}/console/", "swagger": f"{gateway}/docs", "openapi": f"{gateway}/docs/openapi.json",
            "asyncapi": f"{gateway}/docs/asyncapi", "asyncapiDocument": f"{gateway}/docs/asyncapi.json",
            "live": f"{gateway}/health/live", "ready": f"{gateway}/health/ready",
            "metrics": {"gateway": f"{gateway}/metrics", **metrics}}


def _demo_logins() -> str | None:
    with contextlib.suppress(OSError, ValueError, KeyError, AttributeError):
        demo = json.loads(demo_logins_file().read_text())
        staff = ", ".join(f"{email} ({role})" for email, role in demo["staff"].items())
        return f"demo logins, password {demo['password']}: {staff}, {demo['players']}"
    return None


def banner(gateway: str, found: dict[str, Any], servers: dict[str, str], logs: Path, base: Path,
           game_server: Path | None) -> list[str]:
    """The lines `run` prints once the gateway is ready."""
    prefix = f"DATA_DIR={base} " if os.environ.get("DATA_DIR") else ""  # other commands must find run.json
    metrics = "\n".join(f"    {name:<12} {url}" for name, url in found["metrics"].items())
    lines = [f"Reward Ledger is up: gateway {gateway}",
             f"  console        {found['console']} (staff sign in)",
             f"  Swagger UI     {found['swagger']}",
             f"  OpenAPI        {found['openapi']}",
             f"  AsyncAPI       {found['asyncapi']} (document: {found['asyncapiDocument']})",
             f"  health         {found['live']} and {found['ready']}",
             f"  metrics:\n{metrics}",
             "  servers:", *(f"    {key}={url}" for key, url in servers.items())]
    if game_server:
        lines.append(f"  game servers: NATS identity in {game_server} (publish rewards.activity.<kind>, read the "
                     "event feed)")
    lines += [f"  first admin:   {prefix}reward-ledger admin create --email you@example.com",
              f"  demo data:     {prefix}reward-ledger seed-demo"]
    if logins := _demo_logins():
        lines.append(f"  {logins}")
    lines.append(f"  logs in {logs}; Ctrl-C stops everything")
    return lines
