"""OpenAPI with Swagger UI served offline (the assets ship in the swagger-ui-bundle-v2 wheel), the response headers
routes document, and the problem answers they may give.

Success answers are documented from the routes' return annotations (gateway/resources/); `ResponseSpec` is only
for problem+json answers, which no route returns (they are raised)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Final

from litestar.datastructures import ResponseHeader
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, OpenAPI, Operation, SecurityScheme
from litestar.router import Router
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

from gateway.problems import _TITLES, PROBLEM_MEDIA_TYPE
from gateway.schemas import ProblemOut

ASSETS = "/docs/assets"


def swagger_assets_router() -> Router:
    return create_static_files_router(path=ASSETS, directories=[swagger_ui_path], include_in_schema=False)


def openapi_config() -> OpenAPIConfig:
    return _Config(
        title="Reward Ledger", version="1.0.0", path="/docs",
        description="Promotional events and rewards, event-sourced. Errors are application/problem+json; every "
                    "write accepts Idempotency-Key and answers Ledger-Position; every GET accepts ?minPosition=.",
        components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer",
                                                                         bearer_format="JWT")}),
        render_plugins=[SwaggerRenderPlugin(
            path="/", js_url=f"{ASSETS}/swagger-ui-bundle.js", css_url=f"{ASSETS}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS}/favicon-32x32.png' sizes='32x32' />")],
    )


#: Problem statuses by cause, to be combined per route (`problem_responses(*GUARDED, *BODY, *BUS)`).
GUARDED: Final = (401, 403)  # a role guard: no or bad token, wrong role
SIGNED_IN: Final = (401,)  # any valid token
BODY: Final = (400, 413, 415, 422)  # malformed JSON, too large, not JSON, breaks the schema
WRITE: Final = (400, 409, 422)  # Idempotency-Key: too long, the first still running, reused for another request
READ: Final = (400, 503)  # bad query parameter; ?minPosition= not reached in time
BUS: Final = (503,)  # the command service (NATS) or the store did not answer


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem+json answers a route may give."""
    return {status: ResponseSpec(ProblemOut, description=_TITLES.get(status, "Error"), media_type=PROBLEM_MEDIA_TYPE,
                                 generate_examples=False) for status in sorted(set(statuses))}


def _header(name: str, description: str, example: str, required: bool = False) -> ResponseHeader:
    """Documentation only: the value (its type, the header's schema) is the example; the route sets the header."""
    return ResponseHeader(name=name, description=description, value=example, example=example, required=required,
                          documentation_only=True)


#: Sent on every answer, problems included (gateway/correlation.py).
CORRELATION_ID: Final = _header("X-Correlation-Id", "the request's X-Correlation-Id, or one made for it (in the logs)",
                                "3f9c2a7d5e8b4c1a9d6e0f2b7c4a8e1d", required=True)
#: Sent by every write (gateway/bus.py): pass it as `?minPosition=` to read this write.
LEDGER_POSITION: Final = _header("Ledger-Position", "the store position of the last event this write appended; "
                                 "pass it as ?minPosition= to read this write", "1042")
#: Sent when an Idempotency-Key retry gets the first answer again.
IDEMPOTENT_REPLAYED: Final = _header("Idempotent-Replayed", "`true` when this is the stored answer to an earlier "
                                     "request with the same Idempotency-Key", "true")
#: Login, refresh and logout set (or clear) the refresh cookie; their answers are never cached.
SET_COOKIE: Final = _header("Set-Cookie", "the refresh_token cookie (HttpOnly, SameSite=Strict, Path=/auth)",
                            "refresh_token=kq3...; HttpOnly; SameSite=Strict; Path=/auth; Max-Age=1209600; Secure",
                            required=True)
CLEARED_COOKIE: Final = _header("Set-Cookie", "clears the refresh_token cookie (Max-Age=0)",
                                "refresh_token=; HttpOnly; SameSite=Strict; Path=/auth; Max-Age=0; Secure",
                                required=True)
NO_STORE: Final = _header("Cache-Control", "never cached", "no-store", required=True)
RETRY_AFTER: Final = _header("Retry-After", "seconds to wait before asking again", "5", required=True)
RETRY_WHEN_RUNNING: Final = _header("Retry-After", "when the first request with this Idempotency-Key is still "
                                    "running: seconds to wait before retrying", "1")
#: The headers of every write's answer.
WRITE_HEADERS: Final = (LEDGER_POSITION, IDEMPOTENT_REPLAYED)
#: Headers no route declares: every answer's, and the problems' by status (a `ResponseSpec` has no headers).
EVERY_ANSWER: Final = (CORRELATION_ID,)
PROBLEM_HEADERS: Final[dict[int, tuple[ResponseHeader, ...]]] = {
    409: (RETRY_WHEN_RUNNING,), 429: (RETRY_AFTER,), 503: (RETRY_AFTER,)}


def header_object(header: ResponseHeader) -> dict[str, Any]:
    """The OpenAPI header object of a declaration, as Litestar renders a route's `response_headers`."""
    return {"schema": {"type": "string"}, "description": header.description, "required": header.required,
            "example": header.example}


def problem_headers(by_status: dict[int, tuple[ResponseHeader, ...]]) -> type[Operation]:
    """A route's `operation_class` documenting headers its problem answers carry beyond `PROBLEM_HEADERS`."""

    class WithProblemHeaders(Operation):
        def to_schema(self) -> dict[str, Any]:
            schema = super().to_schema()
            for status, headers in by_status.items():
                named = schema["responses"][str(status)].setdefault("headers", {})
                named.update({header.name: header_object(header) for header in headers})
            return schema

    return WithProblemHeaders


class _Document(OpenAPI):
    def to_schema(self) -> dict[str, Any]:
        """The generated document, plus the headers of `EVERY_ANSWER` and `PROBLEM_HEADERS` on each response, and
        no body for a 204 (Litestar documents a `Response[None]` as JSON `null`)."""
        schema = super().to_schema()
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                for status, response in (operation.get("responses", {}) if isinstance(operation, dict) else {}).items():
                    if status == "204":
                        response.pop("content", None)
                    headers = response.setdefault("headers", {})
                    for header in (*EVERY_ANSWER, *PROBLEM_HEADERS.get(int(status), ())):
                        headers.setdefault(header.name, header_object(header))
        return schema


class _Config(OpenAPIConfig):
    def to_openapi_schema(self) -> OpenAPI:
        base = super().to_openapi_schema()
        return _Document(**{f.name: getattr(base, f.name) for f in fields(base)})
