"""Liveness, readiness (NATS, store, Redis, and the read side's stopped readers) and Prometheus metrics.

A projection or the relay stopped before an event it cannot fold makes readiness `degraded`, answered 200 with the
stopped readers named (position and type; the error is in the log): the gateway still takes writes and serves every
other read model, and the stop is in the shared store, so every instance reports it; a 503 would make the load
balancer take all of them out, turning one stale read model into a total outage. Alert on `status: degraded` or on
`ledger_projection_stopped` / `ledger_relay_stopped` instead. A server that is down still answers 503."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.openapi import ResponseSpec
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from base.metrics import DEPENDENCY_UP
from brokers.relay import CHECKPOINTS, RELAY_ID
from gateway.deps import gateway_state
from gateway.resources.health import ReadinessOut, StatusOut
from projections.pointers import stopped_projections

CHECK_TIMEOUT = 2.0


async def _check(coro: Any) -> str:
    try:
        ok = await asyncio.wait_for(coro, CHECK_TIMEOUT)
        return "ok" if ok else "down"
    except Exception:
        return "down"


#: What a public probe may show of a stop: where and which type. The error text can quote stored data (a payload
#: value, a hash), so it stays in the log and the pointer document.
PUBLIC_STOP_FIELDS = ("position", "type", "stoppedAt")


async def stopped_readers(db: Any) -> list[dict[str, Any]]:
    """Every projection (and the relay) stopped before an event it cannot fold, with that event's position/type."""
    stops = {f"projection:{name}": stop for name, stop in sorted((await stopped_projections(db)).items())}
    relay = await db[CHECKPOINTS].find_one({"_id": RELAY_ID}, {"stopped": 1})
    if relay and relay.get("stopped"):
        stops["relay"] = relay["stopped"]
    return [{"reader": reader} | {k: stop.get(k) for k in PUBLIC_STOP_FIELDS} for reader, stop in stops.items()]


async def _read_side(db: Any) -> list[dict[str, Any]] | None:
    try:
        return await asyncio.wait_for(stopped_readers(db), CHECK_TIMEOUT)
    except Exception:
        return None  # the store check reports the store itself


async def dependency_checks(state: Any) -> dict[str, str]:
    """`ok` or `down` for each server the gateway needs, each check bounded by CHECK_TIMEOUT."""
    nats, store, redis = await asyncio.gather(
        _check(state.broker.ping(CHECK_TIMEOUT)), _check(state.mongo.admin.command("ping")),
        _check(state.redis.ping()))
    return {"nats": nats, "store": store, "redis": redis}


class HealthController(Controller):
    path = "/"
    tags = ["ops"]

    @get("/health/live", operation_id="health_live", response_description="The gateway process is up")
    async def live(self) -> StatusOut:
        return StatusOut(status="ok")

    @get("/health/ready", operation_id="health_ready", summary="NATS, store and Redis reachable",
         response_description="Every dependency is reachable (`degraded`: a reader stopped)",
         responses={503: ResponseSpec(ReadinessOut, description="A dependency is down (Retry-After: 5)",
                                      generate_examples=False)})
    async def ready(self, request: Request[Any, Any, Any]) -> Response[ReadinessOut]:
        state = gateway_state(request)
        checks = await dependency_checks(state)
        ok = all(v == "ok" for v in checks.values())
        stopped = await _read_side(state.read_models.db) if checks["store"] == "ok" else None
        body: dict[str, Any] = {"status": "ok" if ok else "unavailable", "checks": checks}
        if stopped:  # named only when degraded, so the servers' checks keep their shape
            checks["readSide"] = "degraded"
            body |= {"status": "degraded" if ok else body["status"], "stopped": stopped}
        return Response(ReadinessOut.model_validate(body), status_code=200 if ok else 503,
                        headers={} if ok else {"Retry-After": "5"})

    @get("/metrics", operation_id="metrics", include_in_schema=False)
    async def metrics(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        """The readiness checks run at each scrape, so `ledger_dependency_up` is as fresh as the scrape and a server
        down raises an alert (LedgerDependencyDown) although no part dies of it: parts wait and retry."""
        for name, status in (await dependency_checks(gateway_state(request))).items():
            DEPENDENCY_UP.labels(dependency=name).set(status == "ok")
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
