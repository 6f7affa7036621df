"""The HTTP gateway: `create_app()` wires settings, clients, middleware, error handling and controllers."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.plugins.pydantic import PydanticPlugin
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from base.nats_auth import GATEWAY, identity_settings
from base.outages import STORE_SELECTION_TIMEOUT_MS
from base.settings import AuthSettings, GatewaySettings, MongoSettings, NatsSettings, RedisSettings
from brokers.nats import connect_options, make_broker
from gateway.auth.bearer import AuthenticationMiddleware
from gateway.auth.session import AuthServices
from gateway.body_guard import body_guard
from gateway.bus import CommandBus
from gateway.controllers.activities import ActivityController
from gateway.controllers.auth import SessionController
from gateway.controllers.conditions import ConditionController
from gateway.controllers.event_rewards import PromotionRewardController
from gateway.controllers.events import PromotionController
from gateway.controllers.health import HealthController
from gateway.controllers.rewards import RewardController
from gateway.controllers.users import RegistrationController, UserController
from gateway.correlation import correlation_middleware
from gateway.deps import DEPENDENCIES
from gateway.docs import openapi_config, swagger_assets_router
from gateway.edge import Gateway
from gateway.idempotency import IdempotencyMiddleware, fingerprint_secret
from gateway.problems import handle_exception
from gateway.readmodels import ReadModels
from gateway.state import GatewayState

CONTROLLERS: list[Any] = [HealthController, RegistrationController, SessionController, UserController,
                          PromotionController, PromotionRewardController, RewardController, ActivityController,
                          ConditionController]


def create_app(gateway: GatewaySettings | None = None, nats_settings: NatsSettings | None = None) -> Litestar:
    gateway = gateway or GatewaySettings()
    redis = Redis.from_url(RedisSettings().url)  # lazy: connects on first command
    auth_settings = AuthSettings()
    auth = AuthServices.create(auth_settings, redis)  # reads (or creates) the signing key

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        nats, mongo_settings = nats_settings or identity_settings(GATEWAY), MongoSettings()
        broker = make_broker(nats.url, **connect_options(nats))
        await broker.connect()
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            mongo_settings.url, tz_aware=True, serverSelectionTimeoutMS=STORE_SELECTION_TIMEOUT_MS)
        db = mongo[mongo_settings.database]
        app.state.gateway = GatewayState(broker, mongo, redis, CommandBus(broker, nats.command_timeout),
                                         ReadModels(db, gateway.read_wait_seconds))
        gc.collect()  # what start-up loaded stays: keep full collections from scanning it (ops/bench/preview_bench)
        gc.freeze()
        try:
            yield
        finally:
            await broker.stop()
            await mongo.close()
            await redis.aclose()

    return Gateway(
        route_handlers=[*CONTROLLERS, swagger_assets_router()],
        dependencies=DEPENDENCIES,
        lifespan=[lifespan],
        state=State({"auth": auth}),
        middleware=[correlation_middleware, DefineMiddleware(body_guard, max_bytes=gateway.max_body_bytes),
                    DefineMiddleware(AuthenticationMiddleware, tokens=auth.tokens),
                    DefineMiddleware(IdempotencyMiddleware, redis=redis, ttl=gateway.idempotency_ttl,
                                     max_body_bytes=gateway.max_body_bytes,
                                     secret=fingerprint_secret(auth_settings.private_key_path))],
        exception_handlers={Exception: handle_exception},
        openapi_config=openapi_config(),
        plugins=[PydanticPlugin(prefer_alias=True)],  # the document names fields as the wire does (camelCase)
        request_max_body_size=gateway.max_body_bytes,
        logging_config=None,
    )
