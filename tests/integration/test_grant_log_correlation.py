"""The downstream consumer logs under the correlation id of the request that caused the grant: the relay puts the
stored event's correlation id on the JetStream message (`X-Correlation-Id`), the consumer sets it while handling."""

from __future__ import annotations

import io
import json
import logging
import uuid
from datetime import UTC, datetime

import pytest

from base.logging import setup_logging
from commands.store.base import NewCommit
from domain.events import Metadata
from domain.reward_request import RewardGranted
from tests.integration.test_grant_consumer import Feed, feed, run_until_settled  # noqa: F401  (the fixture)

pytestmark = pytest.mark.integration


async def test_the_grant_consumer_logs_each_grant_under_its_requests_correlation_id(
        feed: Feed, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    setup_logging("grant-consumer", "info")
    correlation = f"approve-{uuid.uuid4().hex}"
    try:
        grant = RewardGranted(request_id=uuid.uuid4().hex, promotion_id="p1", reward_id="r1", user_id="u1",
                              reward={"id": "r1", "type": "POINT", "name": "100P", "points": 100},
                              granted_at=datetime.now(UTC))
        stored = await feed.store.append(NewCommit("Event-p1", 0, [grant], metadata=Metadata(
            actor="op-1", correlation_id=correlation, causation_id="approve-command")))
        while await feed.relay.step():
            pass
        await run_until_settled(feed)
    finally:
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [applied] = [line for line in lines if line["msg"] == "grant applied"]
    assert (applied["correlationId"], applied["position"]) == (correlation, stored.position)
    assert applied["causationId"] == "approve-command" and applied["service"] == "grant-consumer"
