"""OpenAPI with Swagger UI served offline: the assets ship in the swagger-ui-bundle-v2 wheel."""

from __future__ import annotations

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


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem+json answers a route may give."""
    return {status: ResponseSpec(ProblemOut, description=_TITLES.get(status, "Error"), media_type=PROBLEM_MEDIA_TYPE,
                                 generate_examples=False) for status in statuses}
