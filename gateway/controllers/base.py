"""What every resource controller behind the bearer token shares, said once."""

from __future__ import annotations

from litestar import Controller

from gateway.paging import PAGING


class BearerController(Controller):
    """Routes that take `Authorization: Bearer <access token>` (documented as such in OpenAPI)."""

    security = [{"bearer": []}]


class ListingController(BearerController):
    """A bearer-token resource whose listings take `page` and `limit`."""

    dependencies = PAGING
