"""What the per-request and per-command log lines cost end to end: `reward-ledger run` with LOG_LEVEL=info and with
warning, alternated (info, warning, info, warning: a drifting machine shows as disagreeing pairs), each in a fresh
DATA_DIR seeded by `seed-demo`, then `bench.closed_loop` on the given kinds, which prints the store's raw rates
beside its figures. The difference between the two levels is the cost of the INFO lines (docs/logging.md, "Cost").

    python -m bench.log_cost [KINDS...] [--rounds 2] [--duration 15] [--connections 8]"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ops.servers import free_port, spawn_logged, stop_process, wait_http_ok


def one_run(level: str, kinds: list[str], duration: float, connections: int) -> None:
    """A fresh platform at `level`, seeded, measured, stopped."""
    with tempfile.TemporaryDirectory(prefix="log-cost-") as base:
        env = {**os.environ, "DATA_DIR": base, "GATEWAY_PORT": str(free_port()), "LOG_LEVEL": level}
        cli = [sys.executable, "-m", "ops.cli"]
        run = spawn_logged([*cli, "run"], Path(base, "run.out"), env)
        try:
            run_json = Path(base, "run.json")
            while not run_json.exists():
                if run.poll() is not None:
                    raise SystemExit(f"reward-ledger run exited; see {base}/run.out")
                time.sleep(0.2)
            wait_http_ok(f"{json.loads(run_json.read_text())['gateway']}/health/ready")
            subprocess.run([*cli, "seed-demo", "--users", "100"], env=env, check=True, capture_output=True)
            print(f"== LOG_LEVEL={level} (load average {os.getloadavg()[0]:.2f})", flush=True)
            subprocess.run([sys.executable, "-m", "bench.closed_loop", *kinds, "--duration", str(duration),
                            "--connections", str(connections)], env=env, check=True)
            lines = sum(len(p.read_bytes().splitlines()) for p in Path(base, "logs").glob("*.log"))
            print(f"   log lines written by the parts: {lines:,}", flush=True)
        finally:
            stop_process(run, timeout=30)  # SIGTERM: `run` stops its parts, then its servers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.log_cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("kinds", nargs="*", default=["list-events", "create-event"],
                        help="bench.closed_loop kinds (default: list-events create-event)")
    parser.add_argument("--rounds", type=int, default=2, help="info/warning pairs (default 2)")
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    for _ in range(args.rounds):
        for level in ("info", "warning"):
            one_run(level, args.kinds, args.duration, args.connections)
    return 0


if __name__ == "__main__":
    sys.exit(main())
