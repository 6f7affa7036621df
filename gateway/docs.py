"""OpenAPI with Swagger UI served offline: the assets ship in the swagger-ui-bundle-v2 wheel."""

from __future__ import annotations

from typing import Any, Final

from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.router import Router
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

from gateway.problems import _TITLES, PROBLEM_MEDIA_TYPE
from gateway.schemas import ProblemOut

ASSETS = "/docs/assets"


def swagger_assets_router() -> Router:
    return create_static_files_router(path=ASSETS, directories=[swagger_ui_path], include_in_schema=False)


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
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


def answer(model: Any, description: str, status: int = 200) -> dict[int, ResponseSpec]:
    """The success entry: `model` is what the route sends (its `model_dump(by_alias=True)` shape); the examples
    are the fields' own, never generated filler."""
    return {status: ResponseSpec(model, description=description, generate_examples=False)}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem+json answers a route may give."""
    return {status: ResponseSpec(ProblemOut, description=_TITLES.get(status, "Error"), media_type=PROBLEM_MEDIA_TYPE,
                                 generate_examples=False) for status in sorted(set(statuses))}
