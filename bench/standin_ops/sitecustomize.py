"""Counts the operations the MongoDB stand-in serves, by kind, for `bench.reward_request_bench --count-store-ops`.

Put on PYTHONPATH of the stand-in only matters there: in any other process this module does nothing. On SIGUSR1
the stand-in writes its totals (`{kind: [count, seconds]}`) to $STANDIN_OPS_FILE. A kind is the command, the
collection (read models without their timestamp) and the filter's keys: enough to tell the read side's polling
from the handlers' reads and writes. Profiling aid, not part of the platform."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
import time
from collections import defaultdict
from typing import Any

if sys.argv and sys.argv[0].endswith("nx-27017") and os.environ.get("STANDIN_OPS_FILE"):
    _stats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    _lock = threading.Lock()

    def _kind(msg: dict[str, Any]) -> str:
        sections = msg.get("sections", [])
        cmd: dict[str, Any] = next((d for k, d in sections if k == "body"), {}) or {}
        extra = next((d for k, d in sections if k == "payload" and isinstance(d, dict)), {})
        name = next(iter(cmd), "?")
        coll = re.sub(r"_\d{14,}$", "", str(cmd.get(name, "")))
        ops = cmd.get("updates") or extra.get("updates") or []
        keys = sorted((cmd.get("filter") or (ops[0].get("q") if ops else {}) or {}).keys())
        return f"{name} {coll} {','.join(keys)}"

    def _dump(*_: Any) -> None:
        with _lock, open(os.environ["STANDIN_OPS_FILE"], "w") as f:
            json.dump(_stats, f)

    def _install() -> None:
        time.sleep(0.5)  # after the server's modules are imported
        from nx_27017 import handler

        original = handler.NeoSQLiteHandler.handle_command

        def counted(self: Any, msg: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(self, msg, *args, **kwargs)
            finally:
                kind = _kind(msg)
                with _lock:
                    _stats[kind][0] += 1
                    _stats[kind][1] += time.perf_counter() - started

        handler.NeoSQLiteHandler.handle_command = counted

    signal.signal(signal.SIGUSR1, _dump)
    threading.Thread(target=_install, daemon=True).start()
