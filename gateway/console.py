"""The operator console's built files (console/ -> `make console` -> gateway/static/console), served at /console/.
The console is a client of the public HTTP API like any other: this router only hands out static files."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from litestar.router import Router
from litestar.static_files import create_static_files_router

BUILT: Final = Path(__file__).parent / "static" / "console"


def console_router() -> Router:
    """`/console/` answers index.html (html_mode), `/console/assets/...` the hashed bundles."""
    return create_static_files_router(path="/console", directories=[BUILT], html_mode=True, include_in_schema=False,
                                      name="console")
