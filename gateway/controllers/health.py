"""Liveness, readiness (NATS, store, Redis) and Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.serialization import encode_json
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.deps import gateway_state
from gateway.docs import answer
from gateway.schemas import ReadinessOut, StatusOut

CHECK_TIMEOUT = 2.0


async def _check(coro: Any) -> str:
    try:
        ok = await asyncio.wait_for(coro, CHECK_TIMEOUT)
        return "ok" if ok else "down"
    except Exception:
        return "down"


class HealthController(Controller):
    path = "/"
    tags = ["ops"]

    @get("/health/live", operation_id="health_live", responses=answer(StatusOut, "The gateway process is up"))
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/health/ready", operation_id="health_ready", summary="NATS, store and Redis reachable",
         responses={**answer(ReadinessOut, "Every dependency is reachable"),
                    **answer(ReadinessOut, "A dependency is down (Retry-After: 5)", 503)})
    async def ready(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        state = gateway_state(request)
        nats, store, redis = await asyncio.gather(
            _check(state.broker.ping(CHECK_TIMEOUT)), _check(state.mongo.admin.command("ping")),
            _check(state.redis.ping()))
        checks = {"nats": nats, "store": store, "redis": redis}
        ok = all(v == "ok" for v in checks.values())
        return Response(encode_json({"status": "ok" if ok else "unavailable", "checks": checks}),
                        status_code=200 if ok else 503, media_type="application/json",
                        headers={} if ok else {"Retry-After": "5"})

    @get("/metrics", operation_id="metrics", include_in_schema=False)
    async def metrics(self) -> Response[bytes]:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
