"""The HTTP gateway: `create_app()` wires the settings and clients it is handed (ops/bootstrap.py builds them) with
middleware, error handling and controllers; the lifespan connects and closes the clients."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.plugins.pydantic import PydanticPlugin

from base.settings import AuthSettings, GatewaySettings
from commands.envelope import EnvelopeSigner
from gateway.asyncapi import asyncapi_router, viewer_assets_router
from gateway.auth.bearer import AuthenticationMiddleware
from gateway.auth.session import AuthServices
from gateway.body_guard import body_guard
from gateway.bus import CommandBus
from gateway.console import console_router
from gateway.controllers.activities import ActivityController
from gateway.controllers.audit import AuditController, PromotionHistoryController
from gateway.controllers.auth import SessionController
from gateway.controllers.conditions import ConditionController
from gateway.controllers.dashboard import DashboardController
from gateway.controllers.event_rewards import PromotionRewardController
from gateway.controllers.events import PromotionController
from gateway.controllers.health import HealthController
from gateway.controllers.reward_requests import RewardRequestController, RewardRequestCreateController
from gateway.controllers.rewards import RewardController
from gateway.controllers.users import RegistrationController, UserController
from gateway.deps import DEPENDENCIES
from gateway.docs import openapi_config, swagger_assets_router
from gateway.edge import Gateway
from gateway.idempotency import IdempotencyMiddleware, fingerprint_secret
from gateway.problems import handle_exception
from gateway.readmodels import ReadModels
from gateway.state import GatewayClients, GatewayState
from gateway.store_head import follow_appends, freshness_headers

CONTROLLERS: list[Any] = [HealthController, RegistrationController, SessionController, UserController,
                          PromotionController, PromotionRewardController, RewardController, ActivityController,
                          ConditionController, RewardRequestCreateController, RewardRequestController,
                          DashboardController, AuditController,
                          PromotionHistoryController]


def create_app(gateway: GatewaySettings, auth_settings: AuthSettings, clients: GatewayClients) -> Litestar:
    """The app over clients built elsewhere (ops/bootstrap.py `gateway_app`); tests pass their own."""
    redis = clients.redis
    auth = AuthServices.create(auth_settings, redis)  # reads (or creates) the signing key

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        broker, mongo = clients.broker, clients.mongo
        await broker.connect()
        bus = CommandBus(broker, clients.command_timeout, EnvelopeSigner.from_settings(auth_settings))
        read_models = ReadModels(mongo[clients.database], gateway.read_wait_seconds,
                                 gateway.read_consistency_wait_seconds)
        await follow_appends(broker, read_models.head)
        app.state.gateway = GatewayState(broker, mongo, redis, bus, read_models)
        gc.collect()  # what start-up loaded stays: keep full collections from scanning it (bench/preview_bench)
        gc.freeze()
        try:
            yield
        finally:
            await broker.stop()
            await mongo.close()
            await redis.aclose()

    return Gateway(
        route_handlers=[*CONTROLLERS, swagger_assets_router(), asyncapi_router(clients.queue), viewer_assets_router(),
                        console_router()],
        dependencies=DEPENDENCIES,
        lifespan=[lifespan],
        state=State({"auth": auth}),
        middleware=[DefineMiddleware(body_guard, max_bytes=gateway.max_body_bytes),
                    DefineMiddleware(AuthenticationMiddleware, tokens=auth.tokens),
                    DefineMiddleware(IdempotencyMiddleware, redis=redis, ttl=gateway.idempotency_ttl,
                                     max_body_bytes=gateway.max_body_bytes,
                                     secret=fingerprint_secret(auth_settings.private_key_path))],
        exception_handlers={Exception: handle_exception},
        before_send=[freshness_headers],
        openapi_config=openapi_config(),
        plugins=[PydanticPlugin(prefer_alias=True)],  # the document names fields as the wire does (camelCase)
        request_max_body_size=gateway.max_body_bytes,
        logging_config=None,
    )
