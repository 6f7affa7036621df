"""Clients the gateway holds for its lifetime: built by the composition root (ops/bootstrap.py, never at import
time, none connects when built), connected and closed by the app's lifespan hook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faststream.nats import NatsBroker
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from gateway.bus import CommandBus
from gateway.readmodels import ReadModels


@dataclass(frozen=True)
class GatewayClients:
    """What `create_app` is handed: the gateway's NATS broker (its own identity), the store's client and database,
    Redis, and the handlers' queue group (named in the AsyncAPI document)."""

    broker: NatsBroker
    mongo: AsyncMongoClient[dict[str, Any]]
    database: str
    redis: Redis
    command_timeout: float
    queue: str


@dataclass
class GatewayState:
    broker: NatsBroker
    mongo: AsyncMongoClient[dict[str, Any]]
    redis: Redis
    bus: CommandBus
    read_models: ReadModels
