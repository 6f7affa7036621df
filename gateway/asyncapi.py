"""The NATS contract, FastStream's own AsyncAPI document (brokers/contract.py), served beside the OpenAPI one:
`/docs/asyncapi.json` and the viewer at `/docs/asyncapi`. Built once, on the first request."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Final

from faststream.specification import get_asyncapi_html
from litestar import Response, Router, get
from litestar.static_files import create_static_files_router

from brokers.contract import asyncapi_document

#: The viewer (AsyncAPI's React component) ships in the package, so the page works offline like Swagger UI. It
#: compiles JSON schemas with `new Function` (ajv), hence 'unsafe-eval' on this page alone; scripts only from here.
VIEWER_ASSETS: Final = Path(__file__).parent / "static" / "asyncapi"
ASSETS_PATH: Final = "/docs/asyncapi-assets"
VIEWER_POLICY: Final = ("default-src 'none'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
                        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
                        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
_ICONS: Final = re.compile(r'<link rel="icon"[^>]*>\s*')


def viewer_assets_router() -> Router:
    return create_static_files_router(path=ASSETS_PATH, directories=[VIEWER_ASSETS], include_in_schema=False)


def asyncapi_router(queue: str) -> Router:
    @cache
    def document() -> tuple[bytes, str]:
        spec = asyncapi_document(queue)
        html = get_asyncapi_html(spec, try_it_out_path=None, asyncapi_js_url=f"{ASSETS_PATH}/index.js",
                                 asyncapi_css_url=f"{ASSETS_PATH}/default.min.css")
        return spec.to_json().encode(), _ICONS.sub("", html)  # the icons are on asyncapi.com

    @get("/asyncapi.json", include_in_schema=False, sync_to_thread=False)
    def asyncapi_json() -> Response[bytes]:
        return Response(document()[0], media_type="application/json")

    @get("/asyncapi", include_in_schema=False, sync_to_thread=False)
    def asyncapi_html() -> Response[str]:
        return Response(document()[1], media_type="text/html", headers={"Content-Security-Policy": VIEWER_POLICY})

    return Router("/docs", route_handlers=[asyncapi_json, asyncapi_html])
