"""A part's retry loop logs one line per server outage, not a traceback per failed poll."""

from __future__ import annotations

import io
import json
import logging

from pymongo.errors import ServerSelectionTimeoutError

from base.logging import setup_logging


def test_a_store_outage_is_one_line_without_traceback_and_other_errors_keep_theirs(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    setup_logging("projectors", "info")
    log = logging.getLogger("ledger.projections")
    try:
        for _ in range(5):  # five failed polls while the store is down
            try:
                raise ServerSelectionTimeoutError("127.0.0.1:27017: [Errno 111] Connection refused")
            except ServerSelectionTimeoutError:
                log.exception("projection users failed a batch; retrying")
        try:
            raise KeyError("a bug")
        except KeyError:
            log.exception("projection users failed a batch; retrying")
    finally:
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    assert "the event store is unreachable" in lines[0]["msg"] and "exc" not in lines[0]
    assert "KeyError" in lines[1]["exc"]
