"""Clients the gateway holds for its lifetime, created in the lifespan hook (never at import time)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faststream.nats import NatsBroker
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from gateway.bus import CommandBus
from gateway.readmodels import ReadModels


@dataclass
class GatewayState:
    broker: NatsBroker
    mongo: AsyncMongoClient[dict[str, Any]]
    redis: Redis
    bus: CommandBus
    read_models: ReadModels
