"""The composition root: one function per process kind reads the settings, builds the clients, the store and the
broker once, and hands them to the parts as parameters. Nothing else constructs a client or reads settings for
one; tests call the same functions with their own settings (as cosmicpython's `bootstrap`).

- `handlers()`: the command and activity routers on one broker, the store nudging readers after every append;
- `catch_up(names, relay=...)`: projection runners, the policy runner and/or the relay, woken by that nudge;
- `gateway_app()`: the Litestar app over its clients;
- `in_process()`: the store alone, for the CLIs (admin, replay, seed-demo) that run commands in their own process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from faststream.nats import NatsBroker
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from base.nats_auth import GATEWAY, HANDLERS, PROJECTORS, RELAY, identity_settings
from base.outages import STORE_SELECTION_TIMEOUT_MS
from base.settings import AuthSettings, GatewaySettings, MongoSettings, NatsSettings, RedisSettings, ReplaySettings
from base.subjects import APPENDED
from brokers.activity_ingest import activity_router
from brokers.command_router import command_router
from brokers.desk_sync import desk_sync
from brokers.event_feed import event_feed_router
from brokers.nats import connect_options, ensure_event_stream, make_broker, publish_soon
from brokers.relay import Relay
from commands.desk import desk_of
from commands.envelope import EnvelopeVerifier
from commands.store.base import EventStore
from commands.store.mongo import MongoEventStore
from projections.policy_runner import policy_runner
from projections.registry import all_projections
from projections.runner import ProjectionRunner, RunnerGroup
from projections.user_facts import FactsReader

if TYPE_CHECKING:
    from litestar import Litestar

MongoClient = AsyncMongoClient[dict[str, Any]]


def mongo_client(settings: MongoSettings, **options: Any) -> MongoClient:
    """The one place a store client is made (it connects on first use)."""
    return AsyncMongoClient(settings.url, tz_aware=True, **options)


def nats_broker(nats: NatsSettings) -> NatsBroker:
    """A broker connecting as `nats`' identity (it connects when started)."""
    return make_broker(nats.url, **connect_options(nats))


@dataclass
class HandlerProcess:
    """A handler replica's clients. `store` may be swapped (the in-memory benchmark): subscribers ask for it."""

    broker: NatsBroker
    client: MongoClient
    store: EventStore = field(init=False)

    def nudge(self, position: int) -> None:
        """Tell projectors and the relay there is something new (a lost nudge only delays them to their next poll)."""
        publish_soon(self.broker, str(position).encode(), APPENDED, "append nudge")


@contextlib.asynccontextmanager
async def handlers(nats: NatsSettings | None = None, mongo: MongoSettings | None = None,
                   verifier: EnvelopeVerifier | None = None) -> AsyncIterator[HandlerProcess]:
    """Command handlers, connected as `nats` (default: the `handlers` identity); `verifier` defaults to the
    platform key's public half."""
    nats, mongo = nats or identity_settings(HANDLERS), mongo or MongoSettings()
    process = HandlerProcess(nats_broker(nats), mongo_client(mongo))
    process.store = MongoEventStore(process.client[mongo.database], on_appended=process.nudge)
    verifier = verifier or EnvelopeVerifier.from_settings(AuthSettings())
    facts = FactsReader(process.client[mongo.database])
    process.broker.include_router(command_router(lambda: process.store, verifier, nats.queue, facts))
    process.broker.include_router(desk_sync(process.broker, desk_of(process.store)))
    process.broker.include_router(activity_router(lambda: process.store, nats.queue))
    try:
        await process.store.ensure_indexes()
        await process.broker.start()
        yield process
    finally:
        await process.broker.stop()
        await process.store.close()
        await process.client.close()


@contextlib.asynccontextmanager
async def catch_up(projections: list[str] | None = None, relay: bool = False, nats: NatsSettings | None = None,
                   policies: bool | None = None) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    """Projection runners (all, or the named ones; [] for none) and the policy runner (by default with all the
    projections), as one group sharing its store reads, and optionally the relay, each woken by the APPENDED nudge
    and polling when idle; connected as `nats` (default: the `relay` identity with the relay, else `projectors`).
    Yields the store's database, for what else the process reads there (the business gauges) on the same client."""
    nats, mongo = nats or identity_settings(RELAY if relay else PROJECTORS), MongoSettings()
    client = mongo_client(mongo)
    db = client[mongo.database]
    store = MongoEventStore(db)
    broker = nats_broker(nats)
    chosen = [p for n, p in all_projections().items() if projections is None or n in projections]
    runners = [ProjectionRunner(db, store, p) for p in chosen]
    if policies if policies is not None else projections is None:
        runners.append(policy_runner(db, store))
    feed = Relay(db, store, broker, nats.stream) if relay else None
    # One store read per batch for all runners, offered to the relay too; the relay then reads only to catch up.
    group = RunnerGroup(db, store, runners, [feed] if feed else []) if runners else None
    workers: list[Any] = [w for w in (group, feed) if w is not None]
    wakes = {w: asyncio.Event() for w in workers}
    if feed is not None:
        broker.include_router(event_feed_router())
    nudged_worker = group if group is not None else feed  # a relay in a group is fed by its reads, not woken

    @broker.subscriber(APPENDED, include_in_schema=False)
    async def nudged() -> None:
        if nudged_worker is not None:
            wakes[nudged_worker].set()

    await broker.start()
    if relay:
        await ensure_event_stream(broker, nats.stream)
    tasks = [asyncio.create_task(w.run_forever(wakes[w])) for w in workers]
    try:
        yield db
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            # On Python 3.11 an `asyncio.wait_for` inside a library (nats-py's publish) can swallow a cancel that
            # lands as its inner call completes; the worker then loops on: cancel again until it has ended.
            while not task.done():
                await asyncio.wait([task], timeout=1.0)
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await broker.stop()
        await store.close()  # the policies' commands started its writer
        await client.close()


def gateway_app(gateway: GatewaySettings | None = None, nats: NatsSettings | None = None) -> Litestar:
    """The HTTP gateway over its clients, connected as `nats` (default: the `gateway` identity). Its modules are
    imported here, so the other parts' processes do not carry Litestar (memory)."""
    from redis.asyncio import Redis

    from gateway.app import create_app
    from gateway.state import GatewayClients

    gateway, nats, mongo = gateway or GatewaySettings(), nats or identity_settings(GATEWAY), MongoSettings()
    clients = GatewayClients(
        broker=nats_broker(nats), mongo=mongo_client(mongo, serverSelectionTimeoutMS=STORE_SELECTION_TIMEOUT_MS),
        database=mongo.database, redis=Redis.from_url(RedisSettings().url), command_timeout=nats.command_timeout,
        queue=nats.queue)
    return create_app(gateway, AuthSettings(), clients)


@dataclass(frozen=True)
class InProcess:
    """What a CLI that works on the store in its own process gets."""

    db: AsyncDatabase[dict[str, Any]]
    store: MongoEventStore
    replay: ReplaySettings


@contextlib.asynccontextmanager
async def in_process(selection_timeout_ms: int = STORE_SELECTION_TIMEOUT_MS) -> AsyncIterator[InProcess]:
    """The store (MONGO_URL, or DATA_DIR/run.json of a running `reward-ledger run`), closed on the way out. A store
    that does not answer is given up on after `selection_timeout_ms` (pymongo's default is 30 s), so a CLI started
    with the platform down answers in seconds."""
    settings = MongoSettings()
    client = mongo_client(settings, serverSelectionTimeoutMS=selection_timeout_ms)
    try:
        await client.admin.command("ping")  # before the CLI prints anything (a progress bar)
    except BaseException:
        await client.close()
        raise
    db = client[settings.database]
    store = MongoEventStore(db)
    try:
        yield InProcess(db, store, ReplaySettings())
    finally:
        await store.close()
        await client.close()
