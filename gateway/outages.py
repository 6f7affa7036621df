"""Infrastructure outages as 503s: while NATS, Valkey/Redis or the store is unreachable, a request that needs it
answers `503 application/problem+json` with `Retry-After` (the clients reconnect by themselves when it is back),
never a 500 that reads like a bug."""

from __future__ import annotations

from litestar import Response

from base.outages import RETRY_AFTER_SECONDS, unavailable_service


def outage_response(exc: BaseException) -> Response[bytes] | None:
    """503 problem+json with Retry-After when `exc` comes from an unreachable server; None otherwise."""
    from gateway.problems import problem  # problems imports this module

    service = unavailable_service(exc)
    if service is None:
        return None
    return problem(503, f"{service} is unreachable; retry shortly", code="service-unavailable",
                   headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
