"""The command-handler process: a FastStream NATS app subscribing to `rewards.cmd.<Command>` in a queue group, so
any number of replicas share the load.

Every command message must carry the gateway's signed envelope (commands/envelope.py): it is verified before the body
is even parsed, and the actor, command id and correlation id come from it alone. So a client on the bus without the
platform key is refused, with or without NATS permissions in front."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from faststream.nats import NatsBroker
from faststream.nats.annotations import NatsMessage
from pymongo import AsyncMongoClient

from base.logging import correlation_id
from base.settings import MongoSettings, NatsSettings
from base.subjects import APPENDED, command_subject
from brokers.activity_ingest import subscribe_activity_ingest
from brokers.nats import connect_options, make_broker
from commands.dispatch import dispatch, error_reply
from commands.envelope import EnvelopeRefused, EnvelopeVerifier
from commands.handlers import COMMAND_HANDLERS
from commands.messages import CommandReply
from commands.store.mongo import MongoEventStore

log = logging.getLogger("ledger.handlers")
MAX_WORKERS = 64


class HandlerService:
    """Owns the broker, the Mongo client and the store of one handler process."""

    def __init__(self, nats: NatsSettings, mongo: MongoSettings, verifier: EnvelopeVerifier | None = None) -> None:
        """`verifier` defaults to the platform key's public half (AuthSettings' key file, as the gateway's)."""
        self.verifier = verifier or EnvelopeVerifier.from_settings()
        self.broker: NatsBroker = make_broker(nats.url, **connect_options(nats))
        self.client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url, tz_aware=True)
        self.store = MongoEventStore(self.client[mongo.database], on_appended=self._nudge)
        for cls in COMMAND_HANDLERS:
            self.broker.subscriber(command_subject(cls.subject_name()), queue=nats.queue,
                                   max_workers=MAX_WORKERS)(self._handler(cls.subject_name()))
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
            body = msg.body or b""
            try:
                caller = self.verifier.verify(name, body, msg.headers or {})
            except EnvelopeRefused as exc:
                log.warning("command %s refused: %s", name, exc)
                return _dump(error_reply("unauthorized", str(exc)))
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                return _dump(error_reply("bad-request", "command body is not JSON"))
            token = correlation_id.set(caller.correlation_id)  # every log line of this command
            try:
                reply = await dispatch(name, payload, caller, self.store)
            finally:
                correlation_id.reset(token)
            return _dump(reply)

        handle.__name__ = f"handle_{name}"
        return handle

    async def start(self) -> None:
        await self.store.ensure_indexes()
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()
        await self.store.close()
        await self.client.close()


def _dump(reply: CommandReply) -> dict[str, Any]:
    return reply.model_dump(mode="json", by_alias=True, exclude_none=True)
