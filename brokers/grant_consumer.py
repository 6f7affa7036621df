"""A downstream consumer of grants, as a game server would write one: a JetStream durable pull consumer on the event
stream, filtered to `rewards.evt.RewardRequest.RewardGranted`, connected as the `game-server` NATS identity.

Delivery is at least once, so applying must be idempotent: each grant is applied keyed by its event id (the
envelope's `eventId`, also the relay's `Nats-Msg-Id`), and a grant seen again is acknowledged without being applied
again. Here "applying" is inserting the grant into the `game_grants` collection under `_id = eventId` (the unique
`_id` index refuses a second one); a game server whose effect lives elsewhere (a balance, an inventory) records the
event id in the same write as the effect. Only then is the message acknowledged, so a crash between the two
redelivers a grant that is already applied, never loses one.

Order: JetStream hands the consumer the stream in order (the relay publishes in store order). A batch is applied one
message at a time, and a grant that cannot be applied now (our store is away) is retried in place, its ack deadline
extended, never skipped past: a later grant is never applied before an earlier one. The durable consumer keeps its
acknowledged floor on the server, so a restart resumes after the last grant acknowledged.

    reward-ledger grant-consumer      # DATA_DIR's game-server credentials, or NATS_URL/NATS_USER/NATS_PASSWORD
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any, Final

import structlog
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.client import JetStreamContext
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from base.logging import correlation_id
from base.subjects import event_subject
from brokers.event_feed import published_model
from domain.reward_request import RewardGranted

log = logging.getLogger("ledger.grant_consumer")
grants_log = structlog.get_logger("ledger.grant_consumer.grants")
GRANTED: Final = event_subject(RewardGranted.AGGREGATE, RewardGranted.__name__)
#: The consumer's name on the server: where its acknowledged floor is kept across restarts.
DURABLE: Final = "game-server-grants"
GAME_GRANTS: Final = "game_grants"
BATCH: Final = 100
#: Seconds the server waits for an ack before delivering a message again (to this or the next instance).
ACK_WAIT: Final = 30.0
FETCH_WAIT: Final = 1.0
RETRY_SECONDS: Final = 1.0
GrantEnvelope = published_model(RewardGranted)


class GrantConsumer:
    def __init__(self, js: JetStreamContext, db: AsyncDatabase[dict[str, Any]], stream: str,
                 durable: str = DURABLE, ack_wait: float = ACK_WAIT) -> None:
        self.js, self.grants, self.stream, self.durable = js, db[GAME_GRANTS], stream, durable
        self.ack_wait = ack_wait
        self._sub: JetStreamContext.PullSubscription | None = None

    async def subscribe(self) -> None:
        """Bind to the durable consumer, creating it (from the stream's first grant) the first time."""
        config = ConsumerConfig(durable_name=self.durable, filter_subject=GRANTED, ack_policy=AckPolicy.EXPLICIT,
                                deliver_policy=DeliverPolicy.ALL, ack_wait=self.ack_wait, max_ack_pending=BATCH)
        self._sub = await self.js.pull_subscribe(GRANTED, durable=self.durable, stream=self.stream, config=config)

    async def step(self) -> int:
        """Fetch one batch (waiting up to FETCH_WAIT for the first grant) and apply it in order; returns how many
        messages it handled."""
        if self._sub is None:
            await self.subscribe()
        assert self._sub is not None
        try:
            messages = await self._sub.fetch(BATCH, timeout=FETCH_WAIT)
        except TimeoutError:
            return 0
        for message in messages:
            await self._handle(message)
        return len(messages)

    async def apply(self, message: Msg) -> bool:
        """Apply one grant to our side; False when its event id was applied before (a redelivery)."""
        envelope = json.loads(message.data)
        grant = GrantEnvelope.model_validate(envelope)  # the feed's contract (AsyncAPI), checked before applying
        try:
            await self.grants.insert_one({"_id": grant.event_id, "position": grant.position, **envelope["data"]})
        except DuplicateKeyError:
            log.info("grant %s (position %d) was applied before; acknowledged again", grant.event_id,
                     grant.position)
            return False
        grants_log.info("grant applied", eventId=grant.event_id, position=grant.position,
                        causationId=grant.causation_id)
        return True

    async def _handle(self, message: Msg) -> None:
        """Every line about this grant carries the correlation id the relay put on it (the request that caused it)."""
        token = correlation_id.set((message.headers or {}).get("X-Correlation-Id") or None)
        try:
            await self._apply_in_order(message)
        finally:
            correlation_id.reset(token)

    async def _apply_in_order(self, message: Msg) -> None:
        while True:
            try:
                await self.apply(message)
                break
            except (ValueError, TypeError):  # not a grant we can read (a pydantic ValidationError is a ValueError)
                log.exception("undecodable grant on %s; terminated, never redelivered", message.subject)
                await message.term()
                return
            except Exception:
                log.exception("applying a grant failed; retrying it before any later grant")
                await message.in_progress()  # keep it ours: no redelivery meanwhile
                await asyncio.sleep(RETRY_SECONDS)
        await message.ack()

    async def run_forever(self) -> None:
        while True:
            try:
                await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("fetching grants failed; retrying")
                await asyncio.sleep(RETRY_SECONDS)

    async def close(self) -> None:
        """Leave the durable consumer on the server (that is what makes a restart resume)."""
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None
