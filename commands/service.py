"""The command-handler process: a FastStream NATS app subscribing to `rewards.cmd.<Command>` in a queue group, so
any number of replicas share the load."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from faststream.nats import NatsBroker
from faststream.nats.annotations import NatsMessage
from pymongo import AsyncMongoClient

from brokers.activity_ingest import subscribe_activity_ingest
from brokers.nats import connect_options, make_broker
from brokers.subjects import APPENDED, command_subject
from commands.dispatch import dispatch, error_reply
from commands.handlers import COMMAND_HANDLERS
from commands.store.mongo import MongoEventStore
from ops.logging import correlation_id
from ops.settings import MongoSettings, NatsSettings

log = logging.getLogger("ledger.handlers")
MAX_WORKERS = 64


class HandlerService:
    """Owns the broker, the Mongo client and the store of one handler process."""

    def __init__(self, nats: NatsSettings, mongo: MongoSettings) -> None:
        self.broker: NatsBroker = make_broker(nats.url, **connect_options(nats))
        self.client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url, tz_aware=True)
        self.store = MongoEventStore(self.client[mongo.database], on_appended=self._nudge)
        for cls in COMMAND_HANDLERS:
            self.broker.subscriber(command_subject(cls.name()), queue=nats.queue,
                                   max_workers=MAX_WORKERS)(self._handler(cls.name()))
        subscribe_activity_ingest(self.broker, lambda: self.store, nats.queue)

    def _nudge(self, position: int) -> None:
        """Tell projectors and the relay there is something new (core NATS, fire and forget)."""
        asyncio.get_running_loop().create_task(self._publish_nudge(position))

    async def _publish_nudge(self, position: int) -> None:
        try:
            await self.broker.publish(str(position).encode(), APPENDED)
        except Exception:  # a lost nudge only delays readers until their next poll
            log.debug("nudge not sent", exc_info=True)

    def _handler(self, name: str) -> Any:
        async def handle(msg: NatsMessage) -> dict[str, Any]:
            try:
                payload = json.loads(msg.body or b"{}")
            except ValueError:
                return error_reply("bad-request", "command body is not JSON").model_dump(mode="json", by_alias=True)
            headers = msg.headers or {}
            token = correlation_id.set(headers.get("X-Correlation-Id") or None)  # every log line of this command
            try:
                reply = await dispatch(name, payload, headers, self.store)
            finally:
                correlation_id.reset(token)
            return reply.model_dump(mode="json", by_alias=True, exclude_none=True)

        handle.__name__ = f"handle_{name}"
        return handle

    async def start(self) -> None:
        await self.store.ensure_indexes()
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()
        await self.store.close()
        await self.client.close()
