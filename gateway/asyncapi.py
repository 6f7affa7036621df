"""The NATS contract, FastStream's own AsyncAPI document (brokers/contract.py), served beside the OpenAPI one:
`/docs/asyncapi.json` and the viewer at `/docs/asyncapi`. Built once, on the first request."""

from __future__ import annotations

from functools import cache
from typing import Final

from faststream.specification import get_asyncapi_html
from litestar import Response, Router, get

from brokers.contract import asyncapi_document

#: The viewer is AsyncAPI's React component, loaded from its CDN (the JSON document needs nothing from outside).
VIEWER_POLICY: Final = ("default-src 'none'; script-src 'unsafe-inline' https://unpkg.com; style-src 'unsafe-inline' "
                        "https://unpkg.com; img-src 'self' data:; font-src data:; connect-src 'self'; "
                        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


def asyncapi_router(queue: str) -> Router:
    @cache
    def document() -> tuple[bytes, str]:
        spec = asyncapi_document(queue)
        return spec.to_json().encode(), get_asyncapi_html(spec, try_it_out_path=None)

    @get("/asyncapi.json", include_in_schema=False, sync_to_thread=False)
    def asyncapi_json() -> Response[bytes]:
        return Response(document()[0], media_type="application/json")

    @get("/asyncapi", include_in_schema=False, sync_to_thread=False)
    def asyncapi_html() -> Response[str]:
        return Response(document()[1], media_type="text/html", headers={"Content-Security-Policy": VIEWER_POLICY})

    return Router("/docs", route_handlers=[asyncapi_json, asyncapi_html])
